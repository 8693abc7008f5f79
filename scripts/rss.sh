#!/usr/bin/env bash
# Runs a command and prints its resident set size (VmRSS, and the peak
# VmHWM, from /proc/PID/status) every INTERVAL seconds until it exits.
#
#   scripts/rss.sh [INTERVAL] -- COMMAND [ARGS...]
#   scripts/rss.sh 10 -- target/release/examples/stress --seconds 120
#
# Used for the resident-memory figures in docs/reliability.md.
set -euo pipefail
interval=10
if [[ "${1:-}" != "--" ]]; then
    interval="$1"
    shift
fi
[[ "${1:-}" == "--" ]] || { echo "usage: $0 [INTERVAL] -- COMMAND [ARGS...]" >&2; exit 2; }
shift

"$@" &
pid=$!
start=$SECONDS
echo "| seconds | VmRSS (KiB) | VmHWM (KiB) |"
echo "|---:|---:|---:|"
while kill -0 "$pid" 2>/dev/null; do
    if status=$(cat "/proc/$pid/status" 2>/dev/null); then
        rss=$(awk '/^VmRSS:/ {print $2}' <<<"$status")
        hwm=$(awk '/^VmHWM:/ {print $2}' <<<"$status")
        [[ -n "$rss" ]] && echo "| $((SECONDS - start)) | $rss | $hwm |"
    fi
    sleep "$interval"
done
wait "$pid"
