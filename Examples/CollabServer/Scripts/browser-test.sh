#!/usr/bin/env bash
# Runs the dashboard's browser test against a built collab-server.
#
#   Scripts/browser-test.sh .build/debug/collab-server [SCREENSHOTS_DIR]
#
# Installs what is missing (Debian's chromium and chromium-driver, a CJK font for the Chinese screenshots, the
# selenium Python package), starts the server on a free port with a fresh SQLite file and `--locale en`, plays the
# scenario (Scripts/browser_test.py), then a short second pass with `--locale zh-Hans-CN`. Screenshots go to
# SCREENSHOTS_DIR (default .ci-artifacts/browser). Exits with the first failing pass's status.
set -euo pipefail

if [ $# -lt 1 ]; then
    echo "usage: $0 PATH/TO/collab-server [SCREENSHOTS_DIR]" >&2
    exit 64
fi
SERVER=$1
SHOTS=${2:-.ci-artifacts/browser}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if [ ! -x "$SERVER" ]; then
    echo "browser-test: $SERVER is not an executable (build the server first: swift build)" >&2
    exit 66
fi

T0=$(date +%s)
STEP_T=$T0
# Prints how long the step that just ended took.
took() {
    local now
    now=$(date +%s)
    echo "browser-test: $1 took $((now - STEP_T)) s"
    STEP_T=$now
}

# --- what the test needs ----------------------------------------------------------------------------------------
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
# Chinese text renders as boxes in the screenshots without a CJK font (the checks read the DOM either way).
if command -v fc-list >/dev/null 2>&1 && ! fc-list :lang=zh 2>/dev/null | grep -q .; then missing+=(fonts-noto-cjk); fi
if [ ${#missing[@]} -gt 0 ]; then
    echo "browser-test: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -q >/dev/null
    $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi
if ! python3 -c "import selenium" >/dev/null 2>&1; then
    echo "browser-test: installing selenium"
    python3 -m pip install -q selenium 2>/dev/null || python3 -m pip install -q --break-system-packages selenium
fi
took "installing (${missing[*]:-nothing from apt})"
echo "browser-test: $(chromium --version 2>/dev/null | head -1); $(chromedriver --version | head -1)"

# --- the server -----------------------------------------------------------------------------------------------
WORK=$(mktemp -d "${TMPDIR:-/tmp}/collab-browser-test.XXXXXX")
SERVER_PID=""
stop_server() {
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill "$SERVER_PID" 2>/dev/null || true
        # Give it the graceful shutdown (open event streams end), then insist.
        for _ in $(seq 1 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    SERVER_PID=""
}
cleanup() {
    stop_server
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# start_server LOCALE NAME: a fresh database, a free port; sets BASE_URL once /api/health answers.
start_server() {
    local locale=$1 name=$2 port log
    port=$(free_port)
    log="$WORK/server-$name.log"
    # PUBLIC_DIR=Sources/CollabServer/Public serves the dashboard's files from the work tree instead of the bundle.
    "$SERVER" --database "$WORK/$name.sqlite" --host 127.0.0.1 --port "$port" --locale "$locale" \
        ${PUBLIC_DIR:+--public "$PUBLIC_DIR"} >"$log" 2>&1 &
    SERVER_PID=$!
    BASE_URL="http://127.0.0.1:$port"
    for _ in $(seq 1 300); do
        if curl -fsS "$BASE_URL/api/health" >/dev/null 2>&1; then
            echo "browser-test: server ($locale) at $BASE_URL"
            return 0
        fi
        if ! kill -0 "$SERVER_PID" 2>/dev/null; then
            echo "browser-test: the server exited; its log:" >&2
            cat "$log" >&2
            return 1
        fi
        sleep 0.1
    done
    echo "browser-test: the server did not answer /api/health within 30 s; its log:" >&2
    cat "$log" >&2
    return 1
}

mkdir -p "$SHOTS"
rm -f "$SHOTS"/*.png
status=0

start_server en en
took "starting the server (en)"
python3 "$HERE/browser_test.py" --base-url "$BASE_URL" --screenshots "$SHOTS" --scenario full || status=$?
took "the scenario (en)"
# The metrics of what the scenario played, at /metrics in the Prometheus format: the engine's commands by
# name and outcome (Documentation/Observability.md) and the server's requests.
if [ "$status" -eq 0 ]; then
    curl -fsS "$BASE_URL/metrics" > "$SHOTS/metrics.txt" || status=1
    for metric in 'collab_commands_total\{.*command="create"' 'collab_commands_total\{.*command="reject"' \
        'collab_commands_total\{.*command="approve"' 'collab_server_http_requests_total\{' 'collab_outbox_'; do
        if ! grep -qE "^$metric" "$SHOTS/metrics.txt"; then
            echo "browser-test: /metrics has no line matching $metric after the scenario" >&2
            status=1
        fi
    done
    [ "$status" -eq 0 ] && echo "browser-test: /metrics after the scenario: $(grep -cvE '^#' "$SHOTS/metrics.txt") samples" \
        "($(grep -E '^collab_commands_total' "$SHOTS/metrics.txt" | wc -l) command series)"
fi
stop_server
if [ "$status" -ne 0 ]; then
    echo "browser-test: the server's log (en), last lines:" >&2
    tail -n 40 "$WORK/server-en.log" >&2 || true
fi

if [ "$status" -eq 0 ]; then
    start_server zh-Hans-CN zh
    took "starting the server (zh-Hans-CN)"
    python3 "$HERE/browser_test.py" --base-url "$BASE_URL" --screenshots "$SHOTS/zh" --scenario zh || status=$?
    took "the Chinese pass"
    stop_server
    if [ "$status" -ne 0 ]; then
        echo "browser-test: the server's log (zh-Hans-CN), last lines:" >&2
        tail -n 40 "$WORK/server-zh.log" >&2 || true
    fi
fi

echo "browser-test: $([ "$status" -eq 0 ] && echo passed || echo "FAILED ($status)") in $(( $(date +%s) - T0 )) s; screenshots in $SHOTS"
exit "$status"
