#!/usr/bin/env bash
# Builds the DocC catalog of every library product with swift-docc-plugin and fails on any warning:
# a symbol link that does not resolve, a parameter documented that does not exist or one left out, an
# article a topic names that is not there. Prints the warnings, then a line per product with its warning
# count and the time it took.
#
#   bash Scripts/build-docs.sh            # archives in .build/docs (git-ignored), or $CI_ARTIFACTS/docs
#
# One plugin invocation for all the products: SwiftPM plans the build once and each product's symbol graph
# reuses the modules the previous one built (seven invocations cost the planning and the checks seven times).
set -euo pipefail
cd "$(dirname "$0")/.."

# Every library product, as Package.swift declares them (each has one target of the same name).
products=$(grep -oE '\.library\(name: "[A-Za-z0-9_]+"' Package.swift | sed -E 's/.*"(.*)"/\1/')
output="${CI_ARTIFACTS:+$CI_ARTIFACTS/docs}"
output="${output:-$PWD/.build/docs}"
mkdir -p "$(dirname "$output")"
# The plugin's whole output stays beside the archives, for a look at what a warning's context does not show.
log="$output.log"

target_options=()
for product in $products; do target_options+=(--target "$product"); done

start=$SECONDS
# --disable-sandbox: the plugin writes outside the package's plugin folder when $CI_ARTIFACTS is elsewhere.
# --disable-indexing: the index is for Xcode's navigator, which nobody reads here.
status=0
swift package --disable-sandbox generate-documentation "${target_options[@]}" \
    --disable-indexing --output-path "$output" > "$log" 2>&1 || status=$?
elapsed=$(( SECONDS - start ))

# SwiftPM's notes on a dependency's layout ("warning: 'swift-distributed-tracing': found 1 file(s) which are
# unhandled …") and warnings in a dependency's sources are not Collab's, as in .ci/run's build stage; every
# other warning is: docc's on a catalog or a doc comment, or the compiler's on Collab's code.
root_identity=$(basename "$PWD" | tr '[:upper:]' '[:lower:]')
# The plugin builds one product's modules while docc converts the previous one's catalog, so SwiftPM's note can
# land in the middle of a docc line: it is matched anywhere in a line.
own=$( { grep -E "warning:" "$log" | grep -v "/.build/checkouts/" | grep -vE "warning: '[^']+': " ;
        grep -F "warning: '${root_identity}': " "$log"; } || true)

# Every warning with docc's context (its location and the lines around it): the log less the build's progress.
if [ -n "$own" ]; then
    grep -vE '^\[[0-9]+/[0-9]+\]|^(Building for|Build of|Compiling|Emitting|Write|Extracting|Finished extracting) ' "$log" >&2 || true
fi

# A line per product: its warnings (counted inside its docc block), the seconds SwiftPM spent building its
# modules for the symbol graph (little once they are built) and docc spent converting its catalog. The plugin's
# own "Finished extracting symbol information" figure is not used: it counts the wait for the previous
# product's symbol graph too.
total=0
for product in $products; do
    count=$(awk -v t="'$product'" '$0 ~ "^Building documentation for " t {inside=1; next}
        $0 ~ "^Finished building documentation for " t {inside=0} inside && /^warning:/ && !/warning: \047[^\047]+\047: / {n++} END {print n+0}' "$log")
    build=$(grep -oE "^Build of target: '$product' complete! \([0-9.]+s\)" "$log" | grep -oE "[0-9.]+s" || echo "?")
    convert=$(grep -oE "^Finished building documentation for '$product' \([0-9.]+s\)" "$log" \
        | grep -oE "[0-9.]+s" || echo "?")
    printf '%-20s %3d warning(s)   build %8s   docc %7s\n' "$product" "$count" "$build" "$convert"
    total=$(( total + count ))
done
own_count=$(echo -n "$own" | grep -c "warning:" || true)
echo "all products: $own_count warning(s) in ${elapsed}s; archives in $output, the plugin's output in $log"

if (( status != 0 )); then
    tail -n 40 "$log" >&2
    echo "generate-documentation failed (exit $status)" >&2
    exit 1
fi
if (( own_count > 0 || total > 0 )); then
    echo "the documentation has $own_count warning(s) ($total in the products' catalogs); fix them at their source" >&2
    exit 1
fi
