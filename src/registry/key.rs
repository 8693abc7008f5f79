//! Checked keys: an engine index together with the generation of its slot
//! and the identity of its registry, which embedders may store in their own
//! tables and which resolve to nothing once they are stale or foreign.
//!
//! A bare [`EngineTypeIndex`] is reused once its type is unregistered, and
//! says nothing about the registry it came from: a side table keyed by
//! indices returns another type's data after reuse, and an index of registry
//! A borrows one of registry B's types (the bug class of Wasmtime's
//! GHSA-hgjw-h833-99q9 and of its stale-index reports). A [`TypeKey`]
//! carries what tells them apart:
//!
//! - the slot's *generation*, which the index table advances every time it
//!   empties the slot (the 56-bit counter of the slot's state word, see
//!   [`DisplayState`]), so a key taken
//!   while one type occupied the slot never matches a later occupant;
//! - the registry's *identity*, a number drawn from a process-wide counter
//!   when the registry is created, never handed out twice, so a key of
//!   another registry (even one freed since, whose memory the new registry
//!   reuses) never matches.
//!
//! # Synchronization
//! A lookup by key is the read of [`RegistryInner::read_registered`] with one
//! more condition on the state it loads first: visible *and* of the key's
//! generation. The re-check after reading the slot then proves that the entry
//! and position belong to that occupant, which was registered all along.

use super::{RegisteredType, RegistryInner, TypeCollection, TypeRegistry};
use crate::raw::supertype_display::DisplayState;
use crate::types::{EngineTypeIndex, ModuleTypeIndex};

/// A checked reference to one registered type: its engine index, the
/// generation of the index's slot while the type occupies it, and the
/// identity of its registry.
///
/// Unlike a bare [`EngineTypeIndex`], a key never names another type: once
/// its type is unregistered (and the index possibly reused), or when it is
/// handed to another registry, [`TypeRegistry::borrow`],
/// [`TypeRegistry::contains`] and [`TypeRegistry::root`] answer
/// `None`/`false`. Embedders store keys in their own tables instead of
/// indices when those tables may outlive the types.
///
/// Keys are plain data (`Copy`, `Hash`, `Ord`) and hold nothing registered.
///
/// # Examples
/// ```
/// use wasm_type_registry::*;
///
/// let registry = TypeRegistry::new();
/// let a = registry.register_type(SubType::struct_(false, None, []))?;
/// let key = a.key();
/// assert_eq!(key.index(), a.index());
/// assert!(registry.contains(key));
///
/// // Unregister it, and register another type, which reuses the index.
/// drop(a);
/// let b = registry.register_type(SubType::func([], []))?;
/// assert_eq!(b.index(), key.index());
/// assert!(registry.borrow(key).is_none(), "a stale key names nothing");
/// assert!(registry.borrow(key.index()).is_some(), "while the bare index names b");
///
/// // A key is refused by every other registry.
/// let other = TypeRegistry::new();
/// let c = other.register_type(SubType::func([], []))?;
/// assert_eq!(c.index(), b.index());
/// assert!(other.borrow(b.key()).is_none());
/// # Ok::<(), RegistryError>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct TypeKey {
    registry: u64,
    generation: u64,
    index: EngineTypeIndex,
}

impl TypeKey {
    /// The type's engine index (valid only while the type is registered).
    pub fn index(self) -> EngineTypeIndex {
        self.index
    }
}

impl TypeRegistry {
    /// The checked key of the registered type `index`, or `None` if `index`
    /// is not registered now.
    pub fn key(&self, index: EngineTypeIndex) -> Option<TypeKey> {
        let state = self.inner.slots.get(index)?.display().visible_state()?;
        Some(self.inner.key_for(index, state))
    }
}

impl RegisteredType {
    /// This type's checked key.
    pub fn key(&self) -> TypeKey {
        self.registry().inner.key_of_registered(self.index)
    }
}

impl TypeCollection {
    /// The checked key of the module's type `index`; `None` if the module
    /// has no such type.
    pub fn key(&self, index: ModuleTypeIndex) -> Option<TypeKey> {
        Some(self.registry.inner.key_of_registered(self.engine_type(index)?))
    }
}

impl RegistryInner {
    fn key_for(&self, index: EngineTypeIndex, state: DisplayState) -> TypeKey {
        TypeKey { registry: self.id, generation: state.generation(), index }
    }

    /// The key of an index the caller keeps registered (through a handle).
    fn key_of_registered(&self, index: EngineTypeIndex) -> TypeKey {
        let generation = self.slots.get(index).map_or(u64::MAX, |slot| slot.display().generation());
        debug_assert!(generation != u64::MAX, "{index:?} is held by a handle but has no slot");
        TypeKey { registry: self.id, generation, index }
    }

    /// `f` of what the slot of `key`'s type holds, if it is registered in this
    /// registry in the key's generation, as one read (see
    /// [`read_registered`](Self::read_registered)).
    pub(super) fn read_key<R>(&self, key: TypeKey, f: impl FnOnce(super::Found<'_>) -> R) -> Option<R> {
        if key.registry != self.id {
            return None;
        }
        self.read_registered_if(key.index, |state| state.generation() == key.generation, f)
    }
}
