#!/usr/bin/env bash
# Model-checks the registry's concurrency protocol with loom (docs/correctness.md).
#
#   scripts/loom.sh                  every model
#   scripts/loom.sh model_4          only the models whose name contains model_4
#   LOOM_MAX_PREEMPTIONS=2 scripts/loom.sh   another preemption bound (default 3)
#   LOOM_CROSSBEAM=0 scripts/loom.sh         skip the deeper model that runs
#                                            against the real crossbeam-epoch
#
# Three runs, each printing how many executions every model explored:
#   1. loom-tests: models 1-11 through the public API (stand-in collector);
#   2. the white-box models inside src/ (`loom_tests` modules);
#   3. loom-tests' deeper model with the real crossbeam-epoch built for loom
#      (`--cfg crossbeam_loom`, its own target directory).
# Release builds (loom is slow in debug) with debug assertions on: the
# registry's own checks (no double dismantle, no publish into an occupied
# slot) are part of what the models check. The target directories are not
# the normal one, so nothing here invalidates `cargo build`/`cargo test`.
set -euo pipefail
cd "$(dirname "$0")/.."

export LOOM_MAX_PREEMPTIONS="${LOOM_MAX_PREEMPTIONS:-3}"
export CARGO_PROFILE_RELEASE_DEBUG_ASSERTIONS=true
export CARGO_PROFILE_RELEASE_OVERFLOW_CHECKS=true
target="${LOOM_TARGET_DIR:-target}"
if [[ $# -gt 0 ]]; then
    filter=("$@")
    lib_filter=("$@")
else
    filter=()
    lib_filter=(loom_tests::)
fi

echo "loom: LOOM_MAX_PREEMPTIONS=$LOOM_MAX_PREEMPTIONS"

RUSTFLAGS="--cfg loom" CARGO_TARGET_DIR="$target/loom" \
    cargo test --release -p loom-tests -- --nocapture "${filter[@]}"

# Without the default wasmparser front end: it has no concurrency and would
# only add build time. Other unit tests are not loom models: filtered out.
RUSTFLAGS="--cfg loom" CARGO_TARGET_DIR="$target/loom" \
    cargo test --release -p wasm-type-registry --no-default-features --lib -- --nocapture "${lib_filter[@]}"

if [[ "${LOOM_CROSSBEAM:-1}" != 0 ]]; then
    RUSTFLAGS="--cfg loom --cfg crossbeam_loom" CARGO_TARGET_DIR="$target/loom-crossbeam" \
        cargo test --release -p loom-tests --test crossbeam_epoch -- --nocapture "${filter[@]}"
fi
