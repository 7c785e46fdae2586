#!/usr/bin/env bash
# Property-based tests of the example server against its OpenAPI document, with Schemathesis.
#
#   Scripts/schemathesis.sh .build/debug/collab-server
#
# Starts the already-built server binary ($1) on a free port with a fresh temporary SQLite file, waits for
# /api/health, signs in as he.ping (the administrator) and runs Schemathesis against
# Sources/CollabServer/openapi.yaml and the live server with the bearer header; then again as ma.lin (a
# supplier's contact: an outside member, who gets 404 off the portal). Checks: no server error (5xx), every
# status code documented, every response body conforming to its schema. Excluded: streamEvents (the stream
# never ends; Schemathesis 4 reads each server-sent event as an object {event, data} and checks it against the
# documented `text/event-stream` schema `{type: string}`, which OpenAPI 3.1 means for the whole stream, so it
# would report a mismatch that is not one) and signOut (it would end the token the run uses). The path
# parameters are given real records (schemathesis.toml, made by the demo's members before the run), so the
# operations on an item, an adjustment, a document, an announcement, PO-1001 and the ticket reach the engine.
# A server that dies during the first run has its fatal error printed, and a new one serves the second run.
#
# Environment: MAX_EXAMPLES (default 30 per operation), SEED (default 20261205: runs are reproducible),
# WORKERS (default 1: with more, Python 3.11 can fail inside Hypothesis with "AST constructor recursion
# depth mismatch", a thread-safety bug of ast.parse that Schemathesis reports as a runtime error),
# REPORT_DIR (JUnit reports there when set), SCHEMATHESIS_EXTRA (more CLI arguments), PASSCODE (default collab).
# Exits with the first failing run's status (0 when both pass).
set -uo pipefail

if [[ $# -lt 1 ]]; then
    echo "usage: $0 PATH-TO-collab-server-BINARY" >&2
    exit 2
fi
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
binary="$1"
[[ "$binary" = /* ]] || binary="$PWD/$binary"
if [[ ! -x "$binary" ]]; then
    echo "not an executable: $binary (build it first: swift build)" >&2
    exit 2
fi
spec="$here/Sources/CollabServer/openapi.yaml"
max_examples="${MAX_EXAMPLES:-30}"
seed="${SEED:-20261205}"
workers="${WORKERS:-1}"
started=$(date +%s)

# Schemathesis from PyPI when missing (a system Python may need --break-system-packages).
if ! command -v schemathesis >/dev/null 2>&1; then
    python3 -m pip install -q schemathesis 2>/dev/null \
        || python3 -m pip install -q --break-system-packages schemathesis \
        || { echo "cannot install schemathesis" >&2; exit 2; }
fi
schemathesis_command=(schemathesis)
command -v schemathesis >/dev/null 2>&1 || schemathesis_command=(python3 -m schemathesis.cli)
version="$("${schemathesis_command[@]}" --version 2>/dev/null | grep -oE '[0-9]+(\.[0-9]+)+' | head -1)"
major="${version%%.*}"
echo "schemathesis $version"

workdir="$(mktemp -d "${TMPDIR:-/tmp}/collab-schemathesis.XXXXXX")"
server_pid=""
cleanup() {
    if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
        kill -TERM "$server_pid" 2>/dev/null
        for _ in $(seq 1 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$server_pid" 2>/dev/null
    fi
    rm -rf "$workdir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Starts the server on a free port (the kernel picks one, released at once for the server) with a fresh
# SQLite file, and waits for /api/health.
start_server() {
    local folder="$workdir/server-$1"
    mkdir -p "$folder"
    port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
    server_log="$folder/server.log"
    "$binary" --database "$folder/collab.sqlite" --documents "$folder/documents" --host 127.0.0.1 --port "$port" \
        --log-level warning >"$server_log" 2>&1 &
    server_pid=$!
    base="http://127.0.0.1:$port"
    local ready="" waited
    waited=$(date +%s)
    for _ in $(seq 1 600); do
        if curl -fsS "$base/api/health" >/dev/null 2>&1; then ready=1; break; fi
        kill -0 "$server_pid" 2>/dev/null || break
        sleep 0.1
    done
    if [[ -z "$ready" ]]; then
        echo "the server did not answer /api/health on $base:" >&2
        cat "$server_log" >&2
        exit 2
    fi
    echo "server up on $base after $(( $(date +%s) - waited )) s"
}

# Whether the server died during a run; if so, says how (its log's fatal error) and answers 0.
server_died() {
    if kill -0 "$server_pid" 2>/dev/null; then return 1; fi
    echo "!! the server died during the run; the end of its log:" >&2
    grep -m1 -iE "fatal error|precondition|assertion" "$server_log" >&2
    tail -5 "$server_log" | cut -c1-300 >&2
    return 0
}

sign_in() {
    curl -fsS -X POST "$base/api/sessions" -H 'Content-Type: application/json' \
        -d "{\"member\":\"$1\",\"passcode\":\"${PASSCODE:-collab}\"}" \
        | python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])'
}

run() {  # run NAME TOKEN
    local name="$1" token="$2" run_started status
    run_started=$(date +%s)
    local arguments=(
        run "$spec" --url "$base"
        -H "Authorization: Bearer $token"
        --checks not_a_server_error,status_code_conformance,response_schema_conformance
        --exclude-operation-id streamEvents --exclude-operation-id signOut
        --workers "$workers" --request-timeout 20 --seed "$seed"
    )
    if [[ "$major" -ge 4 ]]; then
        arguments+=(--max-examples "$max_examples" --phases examples,coverage,fuzzing --suppress-health-check all
            --no-color --generation-database none)
        [[ -n "${REPORT_DIR:-}" ]] && arguments+=(--report junit --report-junit-path "$REPORT_DIR/schemathesis-$name.xml")
    else
        # Schemathesis 3: other names for the same settings.
        arguments=(
            run "$spec" --base-url "$base" -H "Authorization: Bearer $token"
            --checks not_a_server_error --checks status_code_conformance --checks response_schema_conformance
            --exclude-operation-id streamEvents --exclude-operation-id signOut
            --workers "$workers" --request-timeout 20000 --hypothesis-seed "$seed"
            --hypothesis-max-examples "$max_examples" --hypothesis-suppress-health-check all --no-color
        )
        [[ -n "${REPORT_DIR:-}" ]] && arguments+=(--junit-xml "$REPORT_DIR/schemathesis-$name.xml")
    fi
    # shellcheck disable=SC2206
    [[ -n "${SCHEMATHESIS_EXTRA:-}" ]] && arguments+=(${SCHEMATHESIS_EXTRA})
    echo "== schemathesis as $name ($max_examples examples per operation, seed $seed)"
    if [[ "$major" -ge 4 ]]; then
        "${schemathesis_command[@]}" --config-file "$config" "${arguments[@]}"
    else
        "${schemathesis_command[@]}" "${arguments[@]}"
    fi
    status=$?
    echo "== $name: exit $status in $(( $(date +%s) - run_started )) s"
    return $status
}

# Signs $1 in (token) and makes the records for the path parameters (config).
prepare() {
token="$(sign_in "$1")" || { echo "cannot sign in as $1" >&2; exit 2; }

# Real records for the path parameters (else nearly every generated identifier is simply unknown: 404), as
# the demo's members would make them: an item zhao.lei gives li.wei, accepted, with progress and a file and a
# deadline request; the seeded announcement, PO-1001 with a proposal from ma.lin, the seeded ticket.
config="$workdir/schemathesis-$1.toml"
if ! BASE="$base" PASSCODE="${PASSCODE:-collab}" python3 - >"$config" <<'PYTHON'
import base64, json, os, sys, urllib.request

base = os.environ["BASE"]

def call(method, path, token=None, body=None):
    request = urllib.request.Request(base + path, method=method, data=None if body is None else json.dumps(body).encode())
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", "Bearer " + token)
    with urllib.request.urlopen(request) as response:
        return json.load(response)

def sign_in(member):
    return call("POST", "/api/sessions", body={"member": member, "passcode": os.environ["PASSCODE"]})["token"]

zhao, li, admin, ma = sign_in("zhao.lei"), sign_in("li.wei"), sign_in("he.ping"), sign_in("ma.lin")
values = {}

def step(name, action):
    # Each record on its own: a step the server refuses leaves that parameter to the generator.
    try:
        return action()
    except Exception as error:  # an HTTP error, a missing field
        detail = error.read().decode() if hasattr(error, "read") else ""
        print(f"warning: {name}: {error} {detail}", file=sys.stderr)
        return None

item = step("create an item", lambda: call(
    "POST", "/api/items", zhao, {"title": "Schemathesis target", "assignees": ["li.wei"], "reviewer": "wang.fang"}))
if item:
    values["itemId"] = item["id"]
    step("accept it", lambda: call("POST", f"/api/items/{item['id']}/accept", li, {}))
    step("report progress with a file", lambda: call("POST", f"/api/items/{item['id']}/progress", li, {
        "text": "A file", "percent": 10,
        "attachments": [{"fileName": "notes.txt", "contentBase64": base64.b64encode(b"notes").decode()}]}))
    adjustment = step("request an adjustment", lambda: call(
        "POST", f"/api/items/{item['id']}/adjustments", li, {"dueDate": "2030-02-01", "reason": "Later"}))
    if adjustment:
        values["adjustmentId"] = adjustment["id"]
    detail = step("read the item", lambda: call("GET", f"/api/items/{item['id']}", li))
    if detail:
        files = detail["item"]["attachments"] + [a for p in detail["progress"] for a in p.get("attachments", [])]
        documents = [a["documentID"] for a in files if a.get("documentID")]
        if documents:
            values["documentId"] = documents[0]
announcements = step("list announcements", lambda: call("GET", "/api/announcements", li)["items"])
if announcements:
    values["announcementId"] = announcements[0]["id"]
orders = step("list orders", lambda: call("GET", "/api/orders", ma)["items"])
if orders:
    values["orderId"] = orders[0]["id"]
    detail = step("read the order", lambda: call("GET", f"/api/orders/{orders[0]['id']}", ma))
    proposals = (detail or {}).get("proposals", [])
    if proposals:
        # The run before on this server proposed already: its proposal serves.
        values["number"] = proposals[-1]["number"]
    else:
        proposal = step("propose dates", lambda: call(
            "POST", f"/api/orders/{orders[0]['id']}/proposals", ma,
            {"lines": [{"line": n, "date": "2030-03-01"} for n in (1, 2, 3)]}))
        if proposal:
            values["number"] = proposal["number"]
tickets = step("list tickets", lambda: call("GET", "/api/tickets", admin)["items"])
if tickets:
    values["ticketId"] = tickets[0]["id"]
print("[parameters]")
for name, value in values.items():
    print(f"\"path.{name}\" = {json.dumps(value)}")
PYTHON
then
    echo "cannot create the records the run needs" >&2
    exit 2
fi
echo "records for the path parameters:"; sed 's/^/  /' "$config"
}

[[ -n "${REPORT_DIR:-}" ]] && mkdir -p "$REPORT_DIR"
start_server 1
prepare he.ping
run he.ping "$token"
first=$?
if server_died; then
    [[ $first -eq 0 ]] && first=1
    echo "!! restarting it for the next run"
    start_server 2
fi
prepare ma.lin
run ma.lin "$token"
second=$?
if server_died; then
    [[ $second -eq 0 ]] && second=1
fi
echo "schemathesis: he.ping exit $first, ma.lin exit $second; $(( $(date +%s) - started )) s in all"
if [[ $first -ne 0 ]]; then exit $first; fi
exit $second
