#!/usr/bin/env bash
# Packages the crate as `cargo publish` would, then builds and tests the
# package on its own, outside the workspace: the shipped tests, doctests and
# the shipped examples must compile and pass with crates.io dependencies only
# (`cargo package` strips the path-only dev-dependencies).
#
#   scripts/package-test.sh            # from a clean checkout (CI)
#   scripts/package-test.sh --dirty    # with uncommitted changes
set -euo pipefail
cd "$(dirname "$0")/.."

allow_dirty=()
if [[ "${1:-}" == "--dirty" ]]; then
  allow_dirty=(--allow-dirty)
fi

name=wasm-type-registry
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n1)

listing=$(cargo package -p "$name" --list "${allow_dirty[@]}")
for required in LICENSE README.md docs/design.md src/lib.rs; do
  grep -qx "$required" <<<"$listing" || { echo "the package does not ship $required" >&2; exit 1; }
done

# Verification (`cargo package` builds the packaged library) is part of this.
cargo package -p "$name" --locked "${allow_dirty[@]}"

unpacked=$(mktemp -d)
trap 'rm -rf "$unpacked"' EXIT
tar -xzf "target/package/$name-$version.crate" -C "$unpacked"
# The unpacked package builds in the workspace's target directory, so the
# dependencies it shares with the workspace build are not rebuilt (about
# 30 s after `cargo test --workspace` on 2 cores, about 4 minutes cold).
CARGO_TARGET_DIR="$PWD/target" \
  cargo test --locked --manifest-path "$unpacked/$name-$version/Cargo.toml" --all-targets
CARGO_TARGET_DIR="$PWD/target" \
  cargo test --locked --manifest-path "$unpacked/$name-$version/Cargo.toml" --doc
