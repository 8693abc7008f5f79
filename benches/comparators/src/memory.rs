//! Bytes of heap per registered type, counted by [`CountingAllocator`]
//! (not RSS): what registering a module allocates and keeps, divided by
//! the types it made live.

use wasm_type_registry::{ModuleTypes, TypeRegistry};
use wasm_type_shapes as shapes;

use crate::counting_alloc::CountingAllocator;
use crate::global_lock::GlobalLockRegistry;
use crate::registries::Registry;
use crate::workloads::Comparator;

/// The modules the memory figures are taken on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MemoryShape {
    /// One rec group of 8,497 types ([`shapes::dart2wasm_like`]).
    Dart2Wasm,
    /// 3,500 singleton rec groups ([`shapes::singleton_groups`]).
    Singletons,
    /// 100,000 distinct function types, each its own rec group.
    FuncTypes100k,
}

impl MemoryShape {
    /// Every shape, in report order.
    pub const ALL: [MemoryShape; 3] = [MemoryShape::Dart2Wasm, MemoryShape::Singletons, MemoryShape::FuncTypes100k];

    /// The `shape` key of the JSON rows.
    pub fn name(self) -> &'static str {
        match self {
            MemoryShape::Dart2Wasm => "dart2wasm_group",
            MemoryShape::Singletons => "singletons_3500",
            MemoryShape::FuncTypes100k => "func_types_100k",
        }
    }

    /// The module (built before counting starts).
    pub fn module(self) -> ModuleTypes {
        match self {
            MemoryShape::Dart2Wasm => shapes::dart2wasm_like(300),
            MemoryShape::Singletons => shapes::singleton_groups(301, 3_500),
            MemoryShape::FuncTypes100k => {
                let mut builder = ModuleTypes::builder();
                for n in 0..100_000 {
                    builder.sub_type(shapes::numbered_func_type(n));
                }
                builder.build().expect("distinct function types are valid")
            }
        }
    }
}

/// One memory figure.
#[derive(Clone, Debug)]
pub struct MemoryFigure {
    /// Who was measured.
    pub comparator: Comparator,
    /// On what.
    pub shape: MemoryShape,
    /// Types live while the module was registered (`len()`, trampoline
    /// types included).
    pub types: usize,
    /// Heap bytes of an empty registry.
    pub empty_bytes: isize,
    /// Heap bytes the registration added and kept while registered: the
    /// registry's tables and payloads plus the returned collection.
    pub live_bytes: isize,
    /// Heap bytes still held after the module was dropped and deferred
    /// frees had their chance: tables that never shrink (the index table,
    /// hash-map capacity).
    pub retained_bytes: isize,
}

impl MemoryFigure {
    /// [`live_bytes`](Self::live_bytes) per live type.
    pub fn bytes_per_type(&self) -> f64 {
        self.live_bytes as f64 / self.types.max(1) as f64
    }

    /// [`retained_bytes`](Self::retained_bytes) per type that was live: the
    /// share of the index table and of other never-shrinking tables.
    pub fn retained_per_type(&self) -> f64 {
        self.retained_bytes as f64 / self.types.max(1) as f64
    }
}

fn measure_on<R: Registry>(comparator: Comparator, shape: MemoryShape) -> Option<MemoryFigure> {
    let module = shape.module();
    CountingAllocator::measure(|live| {
        let registry = R::create();
        let empty_bytes = live();
        let collection = registry.register_module(&module);
        let live_bytes = live() - empty_bytes;
        let types = registry.len();
        drop(collection);
        registry.flush();
        assert_eq!(registry.pending_frees(), 0, "flush left frees pending on the only running thread");
        let retained_bytes = live() - empty_bytes;
        assert_eq!(registry.len(), 0, "the module was the only thing registered");
        MemoryFigure { comparator, shape, types, empty_bytes, live_bytes, retained_bytes }
    })
}

/// The memory figure of `shape` on this crate and on the global-lock port,
/// or `None` where the running binary does not count allocations (it must
/// install [`CountingAllocator`]). Call it while no other thread runs.
pub fn memory_figures(shape: MemoryShape) -> Option<[MemoryFigure; 2]> {
    Some([
        measure_on::<TypeRegistry>(Comparator::ThisCrate, shape)?,
        measure_on::<GlobalLockRegistry>(Comparator::GlobalLock, shape)?,
    ])
}
