#!/usr/bin/env bash
# Side-by-side runs of two builds of the compare example, for a change
# whose effect is smaller than the run-to-run spread of one machine
# (docs/benchmarks.md: cells move by more than most changes between runs).
#
#   scripts/bench-ab.sh WORKLOAD THREADS ROUNDS BINARY...
#
# e.g., with the binary of main copied aside before a change:
#   cp target/release/examples/compare /tmp/compare.before
#   (make the change) cargo build --release --example compare
#   scripts/bench-ab.sh 4_register_disjoint_func 1 8 /tmp/compare.before target/release/examples/compare
#
# Each round runs every binary in turn, each on this crate and on the
# global-lock port (`--only WORKLOAD --comparator C --threads THREADS
# --reps 3 --ms 60`), so that a slow spell of the machine hits all of
# them alike. Prints, per binary, the median and the largest throughput
# of the rounds for each comparator and their ratios. Quote the medians;
# the largest are the least disturbed runs.
set -euo pipefail
if [[ $# -lt 4 ]]; then
    sed -n '2,18p' "$0" >&2
    exit 2
fi
workload=$1 threads=$2 rounds=$3
shift 3
for _ in $(seq "$rounds"); do
    for binary in "$@"; do
        for comparator in this_crate global_lock; do
            # compare prints "[ 1/1]  0.8s  WORKLOAD xN: COMPARATOR 2.0M/s".
            rate=$("$binary" --only "$workload" --comparator "$comparator" --threads "$threads" --reps 3 --ms 60 2>&1 |
                sed -n -E 's/^\[.*: [a-z_]+ ([0-9.]+[kM]?)\/s.*/\1/p')
            echo "$binary $comparator $rate"
        done
    done
done | python3 -c '
import statistics, sys
rates = {}
order = []
for line in sys.stdin:
    binary, comparator, rate = line.split()
    scale = {"k": 1e3, "M": 1e6}.get(rate[-1], 1)
    rates.setdefault((binary, comparator), []).append(float(rate.rstrip("kM")) * scale)
    if binary not in order:
        order.append(binary)
print("| binary | this crate, median / largest | global lock, median / largest | ratio of medians | ratio of largest |")
print("|---|---|---|---|---|")
for binary in order:
    ours, lock = rates[(binary, "this_crate")], rates[(binary, "global_lock")]
    m, l = statistics.median(ours), statistics.median(lock)
    print(f"| {binary} | {m:.3g} / {max(ours):.3g} | {l:.3g} / {max(lock):.3g} | {m / l:.2f}x | {max(ours) / max(lock):.2f}x |")
'
