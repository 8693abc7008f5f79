#!/usr/bin/env bash
# Miri over the code that `unsafe` serves (docs/reliability.md, "Miri").
#
#   scripts/miri.sh
#
# Installs Miri into the machine's nightly toolchain (Miri needs nightly;
# the crate itself builds with the pinned stable), then runs:
#   1. the raw layer's unit tests that touch no epoch pin, under Stacked
#      Borrows (Miri's default): the index table and the supertype display,
#      among them the check that a segment's header points where the
#      segment lives;
#   2. the rest of the raw layer's unit tests and a set of public-API tests,
#      under Tree Borrows: crossbeam-epoch's own intrusive list fails
#      Stacked Borrows before our code is reached. The race of the last two
#      handle drops runs with several scheduler seeds.
# Leak checks are off under Tree Borrows: the crate-wide collector is a
# static that is never dropped, so the batches still queued in it when a
# test process exits are reported, as for crossbeam-epoch's own default
# collector. LeakSanitizer covers leaks (scripts/sanitize.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

rustup +nightly component add miri rust-src
cargo +nightly miri setup

export CARGO_TARGET_DIR=target/miri

echo "--- Stacked Borrows: raw::table, raw::supertype_display"
MIRIFLAGS="" cargo +nightly miri test -p wasm-type-registry --lib -- raw::table raw::supertype_display

echo "--- Tree Borrows: raw::sync"
MIRIFLAGS="-Zmiri-tree-borrows -Zmiri-ignore-leaks" cargo +nightly miri test -p wasm-type-registry --lib -- raw::sync

echo "--- Tree Borrows: public API tests (the small ones; Miri runs about 10,000x slower)"
MIRIFLAGS="-Zmiri-tree-borrows -Zmiri-ignore-leaks" cargo +nightly miri test -p wasm-type-registry --test api -- \
    --exact reclamation::dropping_the_registry_frees_every_type_without_a_flush \
    keys::every_handle_hands_out_the_same_key \
    keys::contains_follows_registration

echo "--- Tree Borrows, seeds 0..8: the last handles dropped on two threads"
MIRIFLAGS="-Zmiri-tree-borrows -Zmiri-ignore-leaks -Zmiri-many-seeds=0..8" cargo +nightly miri test -p wasm-type-registry --test api -- \
    --exact reclamation::the_last_handles_dropped_on_two_threads_after_the_registry
