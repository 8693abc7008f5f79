//! Comparators and workloads for `wasm-type-registry`'s benchmarks, shared by
//! the criterion benches (`benches/registry.rs`) and the side-by-side
//! `compare` example, so that both measure exactly the same thing.
//!
//! | comparator | what it is |
//! |---|---|
//! | this crate | `wasm_type_registry::TypeRegistry` |
//! | global lock | [`GlobalLockRegistry`]: Wasmtime 22's design, one `RwLock` around everything, over this crate's type model |
//! | global lock + cache | [`GlobalLockCachedRegistry`]: the global lock with a per-thread (per-store) subtype cache in front of `is_subtype`, as Wasmtime 47 and later ship it (identity hash) |
//! | global lock + cache, mixed hash | the same cache keyed through [`MixedHash`] |
//! | Wasmtime 48 | `WasmtimeEngine` (feature `wasmtime`): Wasmtime's public type API |
//! | limit | [`SupertypeTable`]: `is_subtype` on a plain unshared `Vec`, no synchronization |
//!
//! Throughput workloads are the [`Workload`]s; tail latency under churn
//! ([`latency_figures`]) and heap bytes per type ([`memory_figures`],
//! counted by [`CountingAllocator`]) are measured apart, and [`JsonRow`]
//! writes every measurement as JSON.
//! Not published; not part of the crate's API.
//!
//! Empty under `--cfg loom`: the registry's `Arc`s are then loom's, and the
//! loom run builds this crate only because it is a dev-dependency.
#![cfg(not(loom))]

mod cached;
mod counting_alloc;
mod global_lock;
mod harness;
mod hierarchy;
mod latency;
mod limit;
mod memory;
mod registries;
mod report;
mod request;
mod tenancy;
#[cfg(feature = "wasmtime")]
mod wasmtime_engine;
mod workloads;

pub use cached::{
    cache_hit_rate, GlobalLockCachedRegistry, IdentityHash, MixedHash, PackedPairHasher, PairHash, SubtypeCache,
    SUBTYPE_CACHE_CAPACITY,
};
pub use counting_alloc::CountingAllocator;
pub use global_lock::{GlobalLockCollection, GlobalLockRegisteredType, GlobalLockRegistry};
pub use harness::{Prepared, ThreadRun, MAX_THREADS, THREAD_COUNTS};
pub use latency::{
    latency_figures, small_module, LatencyCase, LatencyFigure, LatencyOp, Percentiles, CALLS_AFTER_DROP,
    CROSS_REGISTRY_WORKLOAD, LATENCY_WORKLOAD,
};
pub use limit::SupertypeTable;
pub use memory::{memory_figures, MemoryFigure, MemoryShape};
pub use registries::Registry;
pub use report::{to_json, JsonRow, JsonValue};
pub use request::{CHECKS, HOST_FUNC_TYPES, ROOTS};
pub use tenancy::{
    after_big_drop, borrow_across_registries, heap_beside_long_closure, racing_data_calls, reader_beside_churn,
};
#[cfg(feature = "wasmtime")]
pub use wasmtime_engine::WasmtimeEngine;
pub use workloads::{churn_memory, resident_memory_bytes, ChurnMemory, Comparator, Workload};
