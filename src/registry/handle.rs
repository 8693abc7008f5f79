//! The handles that keep types registered: [`TypeCollection`] for a whole
//! module's types, [`RegisteredType`] for one type.
//!
//! Each handle owns registrations (see [`entry`](super::entry)) and
//! gives them back when dropped; the last one given back unregisters its rec
//! group. Handles hold the registry itself, so they may outlive every
//! [`TypeRegistry`] value the embedder kept.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::ops::Deref;

use super::entry::RecGroupEntry;
use super::TypeRegistry;
use crate::canon::{self, FixedState};
use crate::error::RegistryError;
use crate::module::ModuleId;
use crate::raw::sync::Arc;
use crate::types::{EngineTypeIndex, ModuleTypeIndex, SubType};
use crate::validate;

/// One module's types, registered: the module-to-engine index map, holding
/// every rec group of the module registered until dropped.
///
/// # Examples
/// ```
/// use wasm_type_registry::*;
///
/// let registry = TypeRegistry::new();
/// let mut builder = ModuleTypes::builder();
/// builder.sub_type(SubType::func([ValType::I32], [ValType::I64]));
/// let module = builder.build()?;
///
/// let types = registry.register_module(&module)?;
/// let f = types.engine_type(ModuleTypeIndex::from_u32(0)).unwrap();
/// assert!(registry.borrow(f).unwrap().as_func().is_some());
/// drop(types);
/// assert!(registry.borrow(f).is_none());
/// # Ok::<(), RegistryError>(())
/// ```
pub struct TypeCollection {
    pub(super) registry: TypeRegistry,
    /// One registration on each non-empty rec group, in module order.
    pub(super) rec_groups: Vec<Arc<RecGroupEntry>>,
    /// The module index of each of `rec_groups`' first type (ascending).
    pub(super) group_starts: Vec<u32>,
    /// Module type index → engine type index.
    pub(super) types: Vec<EngineTypeIndex>,
    /// Engine trampoline type → the first module type that has it.
    pub(super) trampolines: HashMap<EngineTypeIndex, ModuleTypeIndex, FixedState>,
    /// The module registered: only its module-form types convert here.
    pub(super) module: ModuleId,
}

impl TypeCollection {
    /// The engine index of the module's type `index`; `None` if the module
    /// has no such type.
    pub fn engine_type(&self, index: ModuleTypeIndex) -> Option<EngineTypeIndex> {
        self.types.get(index.as_usize()).copied()
    }

    /// Every type's engine index, in module order.
    pub fn engine_types(&self) -> &[EngineTypeIndex] {
        &self.types
    }

    /// The module's own type whose engine trampoline type is `trampoline`
    /// (the first such, in module order), so an engine can find the
    /// module-compiled trampoline for an engine-level signature.
    pub fn module_trampoline_type(&self, trampoline: EngineTypeIndex) -> Option<ModuleTypeIndex> {
        self.trampolines.get(&trampoline).copied()
    }

    /// How many types the module defines.
    pub fn len(&self) -> usize {
        self.types.len()
    }

    /// Whether the module defines no types.
    pub fn is_empty(&self) -> bool {
        self.types.is_empty()
    }

    /// The registry the types are registered in.
    pub fn registry(&self) -> &TypeRegistry {
        &self.registry
    }
}

impl Drop for TypeCollection {
    fn drop(&mut self) {
        let groups = std::mem::take(&mut self.rec_groups);
        self.registry.inner.release_all(groups, "TypeCollection dropped");
    }
}

impl std::fmt::Debug for TypeCollection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let TypeCollection { registry: _, rec_groups, group_starts: _, types, trampolines, module: _ } = self;
        f.debug_struct("TypeCollection")
            .field("rec_groups", &rec_groups.len())
            .field("types", types)
            .field("trampolines", trampolines)
            .finish()
    }
}

/// One registered type, kept registered (with the rest of its rec group)
/// while any clone of this handle lives. Dereferences to the type in runtime
/// form.
///
/// Equality and hashing go by registry and index: two handles are equal
/// exactly when they name the same type of the same registry.
///
/// # Examples
/// ```
/// use wasm_type_registry::*;
///
/// let registry = TypeRegistry::new();
/// let point = TypeRegistry::register_type(
///     &registry,
///     SubType::struct_(true, None, [FieldType { mutable: true, storage: StorageType::Val(ValType::F64) }]),
/// )?;
/// let again = registry.root(point.index()).unwrap();
/// assert_eq!(point, again);
/// assert!(matches!(point.composite, CompositeType::Struct(_)));
/// # Ok::<(), RegistryError>(())
/// ```
pub struct RegisteredType {
    /// The group, which holds the type and the registry: a handle carries
    /// no reference count of its own but the group's registration.
    pub(super) entry: Arc<RecGroupEntry>,
    /// The type's position in its group.
    pub(super) position: u32,
    pub(super) index: EngineTypeIndex,
}

impl TypeRegistry {
    /// Registers `ty` as a rec group of its own, or finds it registered
    /// already, and returns a handle that keeps it registered. Its concrete
    /// references must be engine indices registered in this registry (or
    /// `RecGroup(0)`, to refer to itself). A module's types register with
    /// [`register_module`](Self::register_module).
    ///
    /// # Errors
    /// [`RegistryError::Type`] for a module-level or out-of-group
    /// reference, an unregistered engine index, a supertype that is final,
    /// of another kind, structurally unrelated or too deep, a size limit.
    /// The registry is left unchanged.
    pub fn register_type(&self, ty: SubType) -> Result<RegisteredType, RegistryError> {
        validate::check_size_limits(0, &ty)?;
        let key = canon::singleton_key(ty, &self.inner.hasher)?;
        let entry = self.register_group(key, 0)?;
        let index = entry.indices()[0];
        Ok(RegisteredType { entry, position: 0, index })
    }
}

impl RegisteredType {
    /// The type's engine index.
    pub fn index(&self) -> EngineTypeIndex {
        self.index
    }

    /// The registry the type is registered in.
    pub fn registry(&self) -> &TypeRegistry {
        self.entry.registry()
    }

    /// The registered type.
    pub fn sub_type(&self) -> &Arc<SubType> {
        self.entry.runtime_type(self.position as usize)
    }
}

impl Deref for RegisteredType {
    type Target = SubType;

    fn deref(&self) -> &SubType {
        self.sub_type()
    }
}

impl Clone for RegisteredType {
    fn clone(&self) -> Self {
        self.entry.incref("RegisteredType cloned");
        RegisteredType { entry: self.entry.clone(), position: self.position, index: self.index }
    }
}

impl Drop for RegisteredType {
    fn drop(&mut self) {
        // The registration is given up before the registry is touched: a
        // handle whose drop is not the last must not hold a reference into
        // a registry that the last one, on another thread, may free.
        if !self.entry.decref("RegisteredType dropped") {
            return;
        }
        // The last registration: this call unregisters the group, and no
        // other thread gives the entry's registry up meanwhile. A registry
        // reference of our own keeps the registry alive for the whole call
        // (the group gives its own up as it is dismantled).
        let registry = self.entry.registry().clone();
        registry.inner.unregister_released(&self.entry);
    }
}

impl PartialEq for RegisteredType {
    fn eq(&self, other: &Self) -> bool {
        self.index == other.index && self.registry().same_as(other.registry())
    }
}

impl Eq for RegisteredType {}

impl Hash for RegisteredType {
    fn hash<H: Hasher>(&self, state: &mut H) {
        Arc::as_ptr(&self.registry().inner).hash(state);
        self.index.hash(state);
    }
}

impl std::fmt::Debug for RegisteredType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let RegisteredType { entry: _, position: _, index } = self;
        f.debug_struct("RegisteredType").field("index", index).field("ty", &**self.sub_type()).finish()
    }
}
