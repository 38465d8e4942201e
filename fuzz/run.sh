#!/usr/bin/env bash
# Run one fuzz target for SECONDS of wall time (restarting after a crash, so one finding does
# not end a long run), at the lowest CPU priority. Crashes land in fuzz/artifacts/TARGET/.
# Prints the executions and crash stops; exits 1 when there was a crash.
# Usage: fuzz/run.sh TARGET SECONDS [LOG]
# Needs cargo-fuzz (`cargo install cargo-fuzz`); on a stable toolchain RUSTC_BOOTSTRAP=1 lets
# it pass its nightly-only flags. No sanitizer (the engine is safe Rust), debug assertions on.
set -euo pipefail
target=$1
seconds=$2
cd "$(dirname "$0")/.."
log=${3:-fuzz/artifacts/$target.log}
export RUSTC_BOOTSTRAP=1
mkdir -p "fuzz/corpus/$target" "fuzz/artifacts/$target" "$(dirname "$log")"
: >"$log"
nice -n 19 cargo fuzz build -s none -a "$target" >>"$log" 2>&1
end=$(($(date +%s) + seconds))
runs=0
crashes=0
while :; do
    left=$((end - $(date +%s)))
    ((left > 0)) || break
    off=$(stat -c %s "$log")
    set +e
    nice -n 19 cargo fuzz run -s none -a "$target" "fuzz/corpus/$target" -- \
        -max_total_time="$left" -max_len=16384 -timeout=20 -rss_limit_mb=3072 -print_final_stats=1 >>"$log" 2>&1
    rc=$?
    set -e
    seg=$(tail -c +"$((off + 1))" "$log")
    n=$(grep -o 'stat::number_of_executed_units: *[0-9]*' <<<"$seg" | grep -o '[0-9]*$' | tail -1 || true)
    [[ -n $n ]] || n=$(grep -oE '^#[0-9]+' <<<"$seg" | tr -d '#' | sort -n | tail -1 || true)
    runs=$((runs + ${n:-0}))
    if ((rc != 0)); then
        crashes=$((crashes + 1))
        echo "== run.sh: $target stopped with rc=$rc (crash $crashes); restarting" >>"$log"
        ((crashes < 20)) || break
    fi
done
echo "== run.sh: $target: $runs executions in $seconds s, $crashes crash stops" | tee -a "$log"
((crashes == 0))
