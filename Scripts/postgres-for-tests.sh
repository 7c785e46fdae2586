#!/usr/bin/env bash
# A throwaway PostgreSQL server for Collab's tests, in a folder of its own, on a free loopback port.
#
#   url=$(bash Scripts/postgres-for-tests.sh start /tmp/collab-pg)   # prints the COLLAB_POSTGRES_URL
#   COLLAB_POSTGRES_URL=$url swift test
#   bash Scripts/postgres-for-tests.sh stop /tmp/collab-pg
#
# Installs Debian's postgresql package when no server is installed (as root). Run as root, the server runs
# as the `postgres` user (initdb refuses root). Durability is off (fsync=off): the data is thrown away.
set -euo pipefail

command=${1:-}
dir=${2:-}
if [[ -z "$command" || -z "$dir" ]]; then
    echo "usage: $0 start|stop FOLDER" >&2
    exit 2
fi

find_bin() {
    local bin
    bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
    if [[ -z "$bin" ]] && command -v initdb >/dev/null 2>&1; then bin=$(dirname "$(command -v initdb)"); fi
    echo "$bin"
}

as_owner() {
    if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$command" in
start)
    bin=$(find_bin)
    if [[ -z "$bin" ]]; then
        if [[ $(id -u) -ne 0 ]]; then
            echo "no PostgreSQL server is installed; install Debian's postgresql package" >&2
            exit 1
        fi
        echo "== installing postgresql" >&2
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -q >&2
        apt-get install -y -q postgresql >&2
        bin=$(find_bin)
    fi
    mkdir -p "$dir"
    if [[ $(id -u) -eq 0 ]]; then chown postgres "$dir"; fi
    as_owner "$bin/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 > "$dir/initdb.log" 2>&1
    # A free port: ask the kernel for one.
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
        start > /dev/null
    echo "$port" > "$dir/port"
    "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -q -c "CREATE DATABASE collab_test" postgres
    echo "postgres://postgres@127.0.0.1:$port/collab_test?sslmode=disable"
    ;;
stop)
    bin=$(find_bin)
    if [[ -f "$dir/data/postmaster.pid" ]]; then
        as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop > /dev/null || true
    fi
    rm -rf "$dir"
    ;;
*)
    echo "usage: $0 start|stop FOLDER" >&2
    exit 2
    ;;
esac
