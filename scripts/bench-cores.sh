#!/usr/bin/env bash
# A many-core run of the compare example (examples/compare.rs) at 1, 2, 4,
# 8 and 16 threads, written as the markdown tables docs/benchmarks.md shows
# ("Many-core run").
#
#   scripts/bench-cores.sh build [CARGO_ARGS...]   # build only; prints the binary's path
#   scripts/bench-cores.sh run [BINARY] [-- COMPARE_ARGS...]   # run a prebuilt binary; no cargo
#   scripts/bench-cores.sh [all]                    # both, on one machine
#
# `build` runs `cargo build --release --example compare` (CARGO_ARGS go to
# cargo, e.g. `--features wasm-type-registry-bench/wasmtime`) and prints
# the path of the binary, target/release/examples/compare: that one file
# is all a machine without network needs. `run` runs it with the full
# run's settings (--reps 9 --ms 100 --latency-ms 5000 --cross-reps 100),
# --threads 1,2,4,8,16 and --json; COMPARE_ARGS are appended, so they
# override those (e.g. `-- --only 1_is_subtype --reps 3`). It writes to
# $BENCH_OUT (default target/bench-cores):
#   compare.json  every measurement (docs/benchmarks.md, "JSON output")
#   compare.txt   compare's own stdout (its tables, targets, tenancy, churn)
#   table.md      the CPU, core count and load, then the tables of
#                 scripts/bench-table.py, also printed at the end
# Environment: BENCH_THREADS (default 1,2,4,8,16), BENCH_OUT.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
binary_default=${CARGO_TARGET_DIR:-$root/target}/release/examples/compare
threads=${BENCH_THREADS:-1,2,4,8,16}
out=${BENCH_OUT:-$root/target/bench-cores}

usage() {
    sed -n '6,8p' "${BASH_SOURCE[0]}" | sed 's/^# *//' >&2
    exit 2
}

cpu_model() {
    local model=''
    if command -v lscpu >/dev/null 2>&1; then
        model=$(LC_ALL=C lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -n 1)
    fi
    if [[ -z $model && -r /proc/cpuinfo ]]; then
        model=$(sed -n 's/^model name[[:space:]]*:[[:space:]]*//p' /proc/cpuinfo | head -n 1)
    fi
    echo "${model:-unknown CPU}"
}

load_average() {
    cut -d ' ' -f 1-3 /proc/loadavg 2>/dev/null || echo unknown
}

build() {
    (cd "$root" && cargo build --release --example compare "$@") >&2
    [[ -x $binary_default ]] || { echo "bench-cores: no binary at $binary_default" >&2; exit 1; }
    echo "bench-cores: $(du -h "$binary_default" | cut -f 1) binary; copy it alone to the measuring machine" >&2
    echo "$binary_default"
}

run() {
    local binary=$binary_default
    if [[ $# -gt 0 && $1 != -- ]]; then
        binary=$1
        shift
    fi
    if [[ $# -gt 0 ]]; then
        [[ $1 == -- ]] || usage
        shift
    fi
    [[ -x $binary ]] || { echo "bench-cores: $binary is not an executable; build it: $0 build" >&2; exit 1; }
    mkdir -p "$out"
    local cpu cores online load_start started
    cpu=$(cpu_model)
    cores=$(nproc)
    online=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo "$cores")
    load_start=$(load_average)
    started=$(date -u '+%Y-%m-%d %H:%M UTC')
    echo "bench-cores: $cpu, $cores cores; threads $threads; writing $out" >&2
    # compare's progress goes to stderr (the terminal), its tables to compare.txt.
    "$binary" --reps 9 --ms 100 --latency-ms 5000 --cross-reps 100 --threads "$threads" \
        --json "$out/compare.json" "$@" >"$out/compare.txt"
    {
        echo "Many-core run of \`compare\` ($started): $cpu, $cores cores available ($online online);"
        echo "threads $threads; load average $load_start at the start, $(load_average) at the end."
        echo "Arguments after the run's defaults: ${*:-none}. Thread counts above $cores are oversubscribed (\`*\`)."
        echo
        if command -v python3 >/dev/null 2>&1; then
            python3 "$root/scripts/bench-table.py" --cores "$cores" "$out/compare.json"
        else
            echo "(no python3 here: render compare.json elsewhere with scripts/bench-table.py --cores $cores)"
        fi
    } >"$out/table.md"
    cat "$out/table.md"
    echo "bench-cores: $out/table.md, $out/compare.json, $out/compare.txt" >&2
}

mode=${1:-all}
[[ $# -gt 0 ]] && shift
case $mode in
build) build "$@" ;;
run) run "$@" ;;
all)
    [[ $# -eq 0 ]] || usage
    run "$(build)"
    ;;
*) usage ;;
esac
