#!/usr/bin/env bash
# Builds the libFuzzer targets in Fuzz/ and runs each one for N seconds (default 60) on a copy of its
# seed corpus, so the committed corpus does not grow. Prints one figure line per target and a summary:
#
#     fuzz: 3 targets, R runs, 0 crashes, cov N
#
# Exits non-zero if a target crashed, hung (over 10 s on one input) or ran out of memory; the input is
# copied to Fuzz/FailCases/<Target>-<kind>-<sha1> for the record, where DecodingFuzzTests replays it.
#
# Usage: Scripts/fuzz.sh [seconds-per-target]
# Needs a Swift toolchain with libFuzzer (the swift.org Linux toolchains; not Xcode's).
set -euo pipefail

seconds="${1:-60}"
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || [ "$seconds" -lt 1 ]; then
    echo "usage: $0 [seconds-per-target]" >&2
    exit 2
fi
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
fuzz="$root/Fuzz"
targets=(FuzzDraft FuzzCalendar FuzzFilter)
flags=(-c release -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library)

# On a crash the Swift runtime's backtracer would hold the fuzzer's output open; libFuzzer and
# AddressSanitizer print the stack themselves.
export SWIFT_BACKTRACE=enable=no

work="$(mktemp -d "${TMPDIR:-/tmp}/collab-fuzz.XXXXXX")"
trap 'rm -rf "$work"' EXIT

echo "fuzz: building $fuzz" >&2
if ! swift build --package-path "$fuzz" "${flags[@]}" >"$work/build.log" 2>&1; then
    tail -n 40 "$work/build.log" >&2
    echo "fuzz: the build failed" >&2
    exit 1
fi
bin="$(swift build --package-path "$fuzz" "${flags[@]}" --show-bin-path)"

total_runs=0
total_cov=0
crashes=0
for target in "${targets[@]}"; do
    dir="$work/$target"
    mkdir -p "$dir/corpus" "$dir/artifacts"
    cp "$fuzz/Corpus/$target/"* "$dir/corpus/"
    status=0
    "$bin/$target" "$dir/corpus" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=16384 \
        -dict="$fuzz/json.dict" -artifact_prefix="$dir/artifacts/" -print_final_stats=1 \
        >"$dir/log" 2>&1 || status=$?

    # "Done 123456 runs in 60 second(s)"; after a crash there is none, so take the last "#N" status line.
    runs="$(grep -Eo '^Done [0-9]+ runs' "$dir/log" | awk '{print $2}' | tail -n 1 || true)"
    if [ -z "$runs" ]; then runs="$(grep -Eo '^#[0-9]+' "$dir/log" | tr -d '#' | tail -n 1 || true)"; fi
    cov="$(grep -Eo 'cov: [0-9]+' "$dir/log" | awk '{print $2}' | tail -n 1 || true)"
    features="$(grep -Eo 'ft: [0-9]+' "$dir/log" | awk '{print $2}' | tail -n 1 || true)"
    units="$(grep -Eo 'corp: [0-9]+' "$dir/log" | awk '{print $2}' | tail -n 1 || true)"
    runs="${runs:-0}"
    cov="${cov:-0}"

    found=0
    for artifact in "$dir/artifacts/"*; do
        [ -e "$artifact" ] || continue
        found=$((found + 1))
        mkdir -p "$fuzz/FailCases"
        cp "$artifact" "$fuzz/FailCases/$target-$(basename "$artifact")"
        echo "fuzz $target: saved $fuzz/FailCases/$target-$(basename "$artifact")" >&2
    done
    if [ "$status" -ne 0 ] && [ "$found" -eq 0 ]; then found=1; fi
    if [ "$found" -gt 0 ]; then
        grep -E 'ERROR|Fatal error|SUMMARY|==[0-9]+==' "$dir/log" | head -n 20 >&2 || true
        tail -n 30 "$dir/log" >&2
    fi

    echo "fuzz $target: $runs runs in ${seconds}s, cov $cov, ft ${features:-0}, corpus ${units:-0} units, $found crashes"
    total_runs=$((total_runs + runs))
    total_cov=$((total_cov + cov))
    crashes=$((crashes + found))
done

echo "fuzz: ${#targets[@]} targets, $total_runs runs, $crashes crashes, cov $total_cov"
[ "$crashes" -eq 0 ]
