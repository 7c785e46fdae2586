#!/usr/bin/env bash
# The reliability checks in their long mode, with their figure lines (Documentation/Reliability.md):
#
# 1. the reliability tests with COLLAB_LONG=1: 200 SIGKILLs, 40 SIGKILLs of three engine processes on one
#    PostgreSQL database (when COLLAB_POSTGRES_URL is set), ten times the contention, 10,000 notifications
#    under hook faults, 2,500 hostile inputs, twenty times the decoder inputs, 40 worlds of the isolation
#    test of orders, tickets and customers;
# 2. libFuzzer on every decoding entry point (Scripts/fuzz.sh), N seconds per target;
# 3. the whole test suite under the thread sanitizer (COLLAB_SANITIZER=thread: the randomized isolation test
#    of orders and tickets builds one world there, not four).
#
# Usage: Scripts/reliability.sh [fuzz-seconds-per-target]   (default 60; COLLAB_SEED=N picks the seed,
# COLLAB_CLUSTER_KILLS=N the kills of the cluster test; COLLAB_LONG_HALF=0 or 1 runs one half of the long
# tests, all by default; COLLAB_TSAN_HALF=0 or 1 one half of the test suites under the thread sanitizer, all
# by default; COLLAB_SKIP="fuzz" or "tsan" leaves one of those out; .ci/run passes a seed that changes every
# hour and the halves and the part it picks)
set -euo pipefail
cd "$(dirname "$0")/.."
rel_start=$SECONDS
stage() { printf '== %s   [%dm%02ds]\n' "$1" $(( (SECONDS - rel_start) / 60 )) $(( (SECONDS - rel_start) % 60 )); }
fuzz_seconds="${1:-60}"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
# Two halves of about equal length; `swift test` has run all of them in their quick mode already.
half0="CrashConsistencyTests|HostileInputTests|DecodingFuzzTests|ExternalIsolationTests"
half1="ClusterKillTests|ConcurrencyReplayTests|HookFaultTests|StorageFaultTests"
case "${COLLAB_LONG_HALF:-all}" in
    0) suites="$half0" ;;
    1) suites="$half1" ;;
    *) suites="$half0|$half1" ;;
esac
figures="^(cluster|crash|concurrency|hooks|hostile input|storage faults|decoding|external isolation)[ :(]"

stage "reliability tests, long mode: $suites"
if ! COLLAB_LONG=1 swift test --filter "$suites" >"$log" 2>&1; then
    grep -E "✘|error:|Fatal" "$log" | head -n 60 || true
    tail -n 20 "$log"
    exit 1
fi
grep -E "$figures" "$log" || true
grep -E "Test run with" "$log"

# COLLAB_SKIP="fuzz" or "tsan" leaves that part out of this run: each builds the whole package anew (with
# AddressSanitizer and libFuzzer, or with the thread sanitizer), about 8 minutes here, so CI runs one of the
# two per run, alternating with its seed.
skip=" ${COLLAB_SKIP:-} "
if [[ "$skip" == *" fuzz "* ]]; then
    stage "fuzzing: left out of this run (COLLAB_SKIP)"
else
    stage "fuzzing, ${fuzz_seconds}s per target"
    bash Scripts/fuzz.sh "$fuzz_seconds"
fi
if [[ "$skip" == *" tsan "* ]]; then
    stage "thread sanitizer: left out of this run (COLLAB_SKIP)"
    exit 0
fi

# COLLAB_TSAN_HALF=0 or 1 runs every second test suite under the sanitizer (in name order, starting with the
# first or the second), so two runs cover them all; unset, every suite.
tsan_filter=()
if [[ "${COLLAB_TSAN_HALF:-all}" == 0 || "${COLLAB_TSAN_HALF:-all}" == 1 ]]; then
    tsan_suites=$(grep -rhoE "^\s*(@Suite.*)?(final class|struct|enum|actor) [A-Za-z0-9_]+Tests\b" Tests \
        | grep -oE "[A-Za-z0-9_]+Tests$" | sort -u | awk -v part="$COLLAB_TSAN_HALF" 'NR % 2 == part')
    tsan_filter=(--filter "\.($(echo "$tsan_suites" | paste -sd'|'))/")
fi
stage "thread sanitizer (suites: ${COLLAB_TSAN_HALF:-all})"
status=0
# Without the PostgreSQL tests: they run above and in `swift test`; under the sanitizer they would time
# SwiftNIO's event loops rather than Collab's code. The crash test runs its quick count of kills there.
env -u COLLAB_POSTGRES_URL -u COLLAB_CRASH_KILLS COLLAB_SANITIZER=thread swift test --sanitize=thread --scratch-path .build-tsan \
    "${tsan_filter[@]}" >"$log" 2>&1 || status=$?
races="$(grep -c "WARNING: ThreadSanitizer" "$log" || true)"
tests="$(grep -Eo "Test run with [0-9]+ tests" "$log" | grep -Eo "[0-9]+" | tail -n 1 || true)"
echo "tsan: ${tests:-0} tests, ${races} reports"
if [ "$status" -ne 0 ] || [ "$races" -ne 0 ]; then
    grep -E -A 12 "WARNING: ThreadSanitizer|✘" "$log" | head -n 80 || true
    exit 1
fi
