//! The registry under the shapes and workloads of real compilers, from the
//! workspace's `wasm-type-shapes` crate and the benchmarks' comparators
//! (`wasm-type-registry-bench`): multi-thread stress and churn, compiler
//! shapes registered and read back through the binary format, hostile
//! binary modules, the display as compiled code reads it, per-type
//! embedder data and the deepest subtype chains.
//!
//! Not shipped in the published package: `cargo package` strips those two
//! path-only dev-dependencies. Run one file's tests with its module name,
//! e.g. `cargo test --test workloads -- stress::`.
//!
//! `untrusted_modules` installs this binary's global allocator. It counts
//! only on a thread inside its `measure` call: the other tests here
//! allocate through it unmeasured, and cannot disturb a measurement.

#[path = "../common/mod.rs"]
mod common;

mod binary_modules;
mod churn;
mod display_view;
mod shapes;
mod stress;
mod subtyping_depth;
mod type_data;
mod untrusted_modules;
