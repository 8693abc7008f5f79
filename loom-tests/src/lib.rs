//! Loom models of `wasm-type-registry`'s concurrency protocol.
//!
//! Everything here exists only under `--cfg loom`; without it the crate is
//! empty, so `cargo test --workspace` spends nothing on it. Run the models
//! with `scripts/loom.sh`. `docs/correctness.md` lists each model, the guard
//! in the protocol it protects, and what loom reports when that guard is
//! removed.
//!
//! This library holds what the models share: the types they register and the
//! two end-of-model checks every model makes.
#![cfg(loom)]

pub use wasm_type_registry::run_model;
use wasm_type_registry::{
    AbstractHeapType, EngineTypeIndex, FieldType, HeapType, RefType, RegisteredType, StorageType, SubType, TypeRef,
    TypeRegistry, ValType,
};

/// An immutable field of value type `ty`.
pub fn field(ty: ValType) -> FieldType {
    FieldType { mutable: false, storage: StorageType::Val(ty) }
}

/// A final struct with `n` `i32` fields and no supertype: `n` tells the
/// types of a model apart.
pub fn plain_struct(n: usize) -> SubType {
    SubType::struct_(true, None, vec![field(ValType::I32); n])
}

/// A struct with one field `(ref null? target)`.
pub fn struct_referencing(target: EngineTypeIndex, nullable: bool) -> SubType {
    let reference = RefType::concrete(nullable, TypeRef::Engine(target));
    SubType::struct_(true, None, [field(ValType::Ref(reference))])
}

/// A function type taking one non-nullable reference to the abstract heap
/// type `heap`. Not in trampoline form, so its trampoline type,
/// `(func (param (ref null top)))`, is registered separately.
pub fn func_taking(heap: AbstractHeapType) -> SubType {
    SubType::func([ValType::Ref(RefType { nullable: false, heap_type: HeapType::Abstract(heap) })], [])
}

/// The trampoline type of [`func_taking`] for a `func`-hierarchy `heap`.
pub fn func_trampoline() -> SubType {
    SubType::func([ValType::Ref(RefType::nullable(AbstractHeapType::Func))], [])
}

/// Runs `f` on a new loom thread with its own handle on `registry`.
pub fn spawn_with<T: Send + 'static>(
    registry: &TypeRegistry,
    f: impl FnOnce(TypeRegistry) -> T + Send + 'static,
) -> loom::thread::JoinHandle<T> {
    let registry = registry.clone();
    loom::thread::spawn(move || f(registry))
}

/// Every live handle still resolves: its index is registered and holds the
/// handle's type, and rooting it again works.
#[track_caller]
pub fn assert_resolves(registry: &TypeRegistry, handle: &RegisteredType) {
    let index = handle.index();
    let borrowed = registry.borrow(index).unwrap_or_else(|| panic!("live handle {index:?} does not resolve"));
    assert_eq!(*borrowed, **handle, "live handle {index:?} resolves to another type");
    assert!(registry.is_subtype(index, index));
}

/// The registry ends empty: no type, no rec group, every index ever handed
/// out back on the free list, and (once no thread is inside the registry)
/// nothing left for its collector after a `flush`.
#[track_caller]
pub fn assert_empty(registry: &TypeRegistry) {
    let stats = registry.stats();
    assert_eq!(registry.len(), 0, "types still registered: {stats:?}");
    assert_eq!(stats.rec_groups, 0, "rec groups still in the map: {stats:?}");
    assert_eq!(stats.free_slots, stats.slots_ever_used, "indices neither live nor free: {stats:?}");
    // With the stand-in collector; the deeper model runs crossbeam's
    // process-wide collector, where other models' garbage may be pending.
    #[cfg(not(crossbeam_loom))]
    {
        registry.flush();
        assert_eq!(registry.stats().pending_frees, 0, "flush left garbage: {:?}", registry.stats());
    }
}
