//! Comparators and workloads for `wasm-type-registry`'s benchmarks, shared by
//! the criterion benches (`benches/registry.rs`) and the side-by-side
//! `compare` example, so that both measure exactly the same thing.
//!
//! | comparator | what it is |
//! |---|---|
//! | this crate | `wasm_type_registry::TypeRegistry` |
//! | global lock | [`GlobalLockRegistry`]: Wasmtime 22's design, one `RwLock` around everything, over this crate's type model |
//! | Wasmtime 48 | [`WasmtimeEngine`] (feature `wasmtime`): Wasmtime's public type API |
//! | limit | [`SupertypeTable`]: `is_subtype` on a plain unshared `Vec`, no synchronization |
//!
//! The workloads are the six of the project's issue 4; see [`Workload`].
//! Not published; not part of the crate's API.
//!
//! Empty under `--cfg loom`: the registry's `Arc`s are then loom's, and the
//! loom run builds this crate only because it is a dev-dependency.
#![cfg(not(loom))]

mod global_lock;
mod harness;
mod limit;
mod registries;
#[cfg(feature = "wasmtime")]
mod wasmtime_engine;
mod workloads;

pub use global_lock::{GlobalLockCollection, GlobalLockRegisteredType, GlobalLockRegistry};
pub use harness::{Prepared, ThreadRun, MAX_THREADS, THREAD_COUNTS};
pub use limit::SupertypeTable;
pub use registries::Registry;
#[cfg(feature = "wasmtime")]
pub use wasmtime_engine::WasmtimeEngine;
pub use workloads::{churn_memory, resident_memory_bytes, ChurnMemory, Comparator, Workload};
