#!/usr/bin/env bash
# Run one fuzz target for SECONDS of wall time (restarting after a crash, so one finding does
# not end the run), at the lowest CPU priority. Crashes land in fuzz/artifacts/TARGET/.
# Usage: fuzz/run.sh TARGET SECONDS [LOG]
# Needs cargo-fuzz (`cargo install cargo-fuzz`); on a stable toolchain RUSTC_BOOTSTRAP=1 lets
# it pass its nightly-only flags. No sanitizer (the engine is safe Rust), debug assertions on.
set -euo pipefail
target=$1
seconds=$2
log=${3:-fuzz/artifacts/$target.log}
cd "$(dirname "$0")/.."
export RUSTC_BOOTSTRAP=1
mkdir -p "fuzz/corpus/$target" "fuzz/artifacts/$target" "$(dirname "$log")"
: > "$log"
nice -n 19 cargo fuzz build -s none -a "$target" >>"$log" 2>&1
end=$(( $(date +%s) + seconds ))
runs=0
crashes=0
while :; do
    left=$(( end - $(date +%s) ))
    (( left > 0 )) || break
    set +e
    nice -n 19 cargo fuzz run -s none -a "$target" "fuzz/corpus/$target" -- \
        -max_total_time="$left" -max_len=16384 -timeout=20 -rss_limit_mb=3072 -print_final_stats=1 >>"$log" 2>&1
    rc=$?
    set -e
    n=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | tail -1 | grep -o '[0-9]*$' || echo 0)
    runs=$(( runs + n ))
    if (( rc != 0 )); then
        crashes=$(( crashes + 1 ))
        echo "== run.sh: $target stopped with rc=$rc (crash $crashes); restarting" >>"$log"
        (( crashes < 20 )) || break
    fi
done
echo "== run.sh: $target: $runs executions in $seconds s, $crashes crash stops" | tee -a "$log"
