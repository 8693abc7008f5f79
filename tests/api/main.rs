//! The public API, rule by rule: hash consing and the Wasmtime registry's
//! semantics (with the regression tests named after its bugs), checked
//! keys, the inline subtype check over `DisplayView`, GC object layouts,
//! printing, linking, reference-type matching, the proposals' type features
//! and shared types, per-registry reclamation, and the insertion race.
//!
//! Shipped in the published package: everything here needs nothing but
//! crates.io dependencies (no `wasm-type-shapes`, no
//! `wasm-type-registry-bench`). Run one file's tests with its module name,
//! e.g. `cargo test --test api -- semantics::`.

#[path = "../common/mod.rs"]
mod common;

mod display_view;
mod gc_layout;
mod insertion_race;
mod keys;
mod linking;
mod printing;
mod proposals;
mod reclamation;
mod ref_type_matching;
mod semantics;
mod shared_types;
