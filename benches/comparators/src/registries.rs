//! The two registries with the crate's API, behind one trait, so that every
//! workload is written once and runs on both.

use std::sync::Arc;

use wasm_type_registry::{EngineTypeIndex, ModuleTypes, RegisteredType, SubType, TypeCollection, TypeRegistry};

use crate::global_lock::{GlobalLockCollection, GlobalLockRegisteredType, GlobalLockRegistry};

/// What the workloads do to a registry. Benchmark input is valid, so
/// registration errors panic.
pub trait Registry: Clone + Send + Sync + 'static {
    /// A registered module.
    type Collection: Send + Sync;
    /// A registered type.
    type Handle: Send + Sync;

    /// An empty registry.
    fn create() -> Self;
    /// Registers a module's rec groups.
    fn register_module(&self, module: &ModuleTypes) -> Self::Collection;
    /// The engine index of each of a registered module's types.
    fn engine_types(collection: &Self::Collection) -> &[EngineTypeIndex];
    /// Registers one type as a singleton rec group.
    fn register_type(&self, ty: SubType) -> Self::Handle;
    /// A new handle on a registered type.
    fn root(&self, index: EngineTypeIndex) -> Option<Self::Handle>;
    /// The registered type at `index`.
    fn borrow(&self, index: EngineTypeIndex) -> Option<Arc<SubType>>;
    /// `sub <: sup`.
    fn is_subtype(&self, sub: EngineTypeIndex, sup: EngineTypeIndex) -> bool;
    /// Registered types, trampolines included.
    fn len(&self) -> usize;
    /// Whether nothing is registered.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Index-table entries ever allocated (memory that is never given back).
    fn slots_ever_used(&self) -> usize;
    /// Frees what unregistrations left for later, as far as readers allow
    /// (the global-lock port frees in the unregistering call: nothing).
    fn flush(&self);
    /// Frees left for later and not yet done (none in the global-lock
    /// port, which frees in the unregistering call).
    fn pending_frees(&self) -> usize {
        0
    }
}

impl Registry for TypeRegistry {
    type Collection = TypeCollection;
    type Handle = RegisteredType;

    fn create() -> Self {
        TypeRegistry::new()
    }

    fn register_module(&self, module: &ModuleTypes) -> TypeCollection {
        TypeRegistry::register_module(self, module).expect("benchmark modules are valid")
    }

    fn engine_types(collection: &TypeCollection) -> &[EngineTypeIndex] {
        collection.engine_types()
    }

    fn register_type(&self, ty: SubType) -> RegisteredType {
        self.register_type(ty).expect("benchmark types are valid")
    }

    fn root(&self, index: EngineTypeIndex) -> Option<RegisteredType> {
        self.root(index)
    }

    #[inline]
    fn borrow(&self, index: EngineTypeIndex) -> Option<Arc<SubType>> {
        TypeRegistry::borrow(self, index)
    }

    #[inline]
    fn is_subtype(&self, sub: EngineTypeIndex, sup: EngineTypeIndex) -> bool {
        TypeRegistry::is_subtype(self, sub, sup)
    }

    fn len(&self) -> usize {
        TypeRegistry::len(self)
    }

    fn flush(&self) {
        TypeRegistry::flush(self)
    }

    fn pending_frees(&self) -> usize {
        self.stats().pending_frees
    }

    fn slots_ever_used(&self) -> usize {
        self.stats().slots_ever_used
    }
}

impl Registry for GlobalLockRegistry {
    type Collection = GlobalLockCollection;
    type Handle = GlobalLockRegisteredType;

    fn create() -> Self {
        GlobalLockRegistry::new()
    }

    fn register_module(&self, module: &ModuleTypes) -> GlobalLockCollection {
        GlobalLockRegistry::register_module(self, module).expect("benchmark modules are valid")
    }

    fn engine_types(collection: &GlobalLockCollection) -> &[EngineTypeIndex] {
        collection.engine_types()
    }

    fn register_type(&self, ty: SubType) -> GlobalLockRegisteredType {
        GlobalLockRegistry::register_type(self, ty).expect("benchmark types are valid")
    }

    fn root(&self, index: EngineTypeIndex) -> Option<GlobalLockRegisteredType> {
        GlobalLockRegistry::root(self, index)
    }

    #[inline]
    fn borrow(&self, index: EngineTypeIndex) -> Option<Arc<SubType>> {
        GlobalLockRegistry::borrow(self, index)
    }

    #[inline]
    fn is_subtype(&self, sub: EngineTypeIndex, sup: EngineTypeIndex) -> bool {
        GlobalLockRegistry::is_subtype(self, sub, sup)
    }

    fn len(&self) -> usize {
        GlobalLockRegistry::len(self)
    }

    fn slots_ever_used(&self) -> usize {
        GlobalLockRegistry::slots_ever_used(self)
    }

    fn flush(&self) {}
}
