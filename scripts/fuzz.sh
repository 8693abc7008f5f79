#!/usr/bin/env bash
# Runs every fuzz target of fuzz/ for a bounded time over the checked-in
# seed corpus (fuzz/seeds/TARGET) plus whatever earlier runs left in
# fuzz/corpus/TARGET (not checked in):
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]   # default: 20 s, all three
#   FUZZ_SEED=1 scripts/fuzz.sh 20                     # CI: a fixed seed
#
# With FUZZ_SEED unset (or 0) libFuzzer picks a random seed, which is what a
# search for new bugs wants; CI fixes it, so that a run that passed once
# explores the same inputs again and a red CI means the code changed.
#
# Needs only the pinned stable toolchain: RUSTC_BOOTSTRAP=1 unlocks the
# `-Z` flags cargo-fuzz passes (sanitizer coverage, AddressSanitizer).
# Installs cargo-fuzz from crates.io if it is missing (`cargo install` is a
# no-op when the same version is there). A crash, a leak, an input slower
# than 10 s, or any single allocation over 64 MiB fails the run; libFuzzer
# writes the input to fuzz/artifacts/TARGET/, and
# `RUSTC_BOOTSTRAP=1 cargo fuzz run TARGET fuzz/artifacts/TARGET/crash-...`
# replays it. docs/reliability.md has the figures of longer runs.
#
# Each target prints, as it exits, a census line: how many inputs it read
# as modules and how many of those carried each proposal's types (exact
# references, descriptor pairs, continuations, shared types); the script
# repeats the census lines of all targets at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-20}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(from_wasm builder_ops concurrent_model)
fi

export RUSTC_BOOTSTRAP=1
cargo install cargo-fuzz --locked --version 0.13.2
# Every target at once (release, debug assertions on, AddressSanitizer).
cargo fuzz build
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
for target in "${targets[@]}"; do
    mkdir -p "fuzz/corpus/$target"
    extra=()
    case "$target" in
    builder_ops | concurrent_model)
        # The registry frees through epoch reclamation, so nearly every
        # input ends with more mallocs than frees and libFuzzer runs a full
        # LeakSanitizer scan after it: 25 inputs a second instead of 190.
        # Each target checks that the registry ends empty, and
        # scripts/sanitize.sh runs LeakSanitizer over the registry's tests.
        extra=(-detect_leaks=0)
        ;;
    esac
    echo "fuzz.sh: $target for ${seconds}s"
    cargo fuzz run "$target" "fuzz/corpus/$target" "fuzz/seeds/$target" -- \
        -max_total_time="$seconds" -seed="${FUZZ_SEED:-0}" -timeout=10 -malloc_limit_mb=64 -rss_limit_mb=2048 -print_final_stats=1 \
        "${extra[@]}" 2>&1 | tee "$logs/$target.log"
done
echo "fuzz.sh: inputs that carried each proposal's types"
cat "$logs"/*.log | grep '^census: ' || echo "fuzz.sh: no target printed a census" >&2
