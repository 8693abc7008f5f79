//! What names a registered type in a lookup: an engine index or a checked
//! key. Every lookup of [`TypeRegistry`] takes either, so that each question
//! (is it registered, what is it, what is its data, keep it registered) has
//! one method.

use super::{Found, RegisteredType, TypeKey, TypeRegistry};
use crate::raw::sync::Arc;
use crate::types::{EngineTypeIndex, SubType};

/// A registered type to look up: an [`EngineTypeIndex`] or a [`TypeKey`].
///
/// An index is only a number, valid while the caller keeps its type
/// registered: after the type is unregistered the index may be reused, and a
/// lookup answers for its new occupant. A key is checked: it answers only for
/// the type it was taken from, in the registry it was taken from, and for
/// nothing once that type is gone. Methods take `impl Into<Lookup>`, so a
/// caller passes either as it is.
///
/// # Examples
/// ```
/// use wasm_type_registry::*;
///
/// let registry = TypeRegistry::new();
/// let ty = registry.register_type(SubType::func([], []))?;
/// let (index, key) = (ty.index(), ty.key());
/// assert!(registry.contains(index) && registry.contains(key));
/// drop(ty);
/// let other = registry.register_type(SubType::func([ValType::I32], []))?;
/// // The index may now name `other`; the key names nothing.
/// assert!(!registry.contains(key));
/// assert!(registry.borrow(key).is_none());
/// # let _ = other;
/// # Ok::<(), RegistryError>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Lookup(By);

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
enum By {
    Index(EngineTypeIndex),
    Key(TypeKey),
}

impl From<EngineTypeIndex> for Lookup {
    fn from(index: EngineTypeIndex) -> Self {
        Lookup(By::Index(index))
    }
}

impl From<TypeKey> for Lookup {
    fn from(key: TypeKey) -> Self {
        Lookup(By::Key(key))
    }
}

impl TypeRegistry {
    /// `f` of what the slot of `ty` holds, if it is registered (for a key:
    /// as the type the key was taken from), as one read.
    pub(super) fn read<R>(&self, ty: Lookup, f: impl FnOnce(Found<'_>) -> R) -> Option<R> {
        match ty.0 {
            By::Index(index) => self.inner.read_registered(index, f),
            By::Key(key) => self.inner.read_key(key, f),
        }
    }

    /// Whether `ty` is registered in this registry now. Lock-free: for an
    /// index, one load.
    ///
    /// For an index, `true` does not say it is the type the caller once got
    /// under that index, only that some type of this registry is registered
    /// under it; for a [`TypeKey`], it is that type (`false` for a key of
    /// another registry, and for one whose type was unregistered since).
    ///
    /// # Examples
    /// ```
    /// use wasm_type_registry::*;
    ///
    /// let registry = TypeRegistry::new();
    /// let ty = registry.register_type(SubType::func([], []))?;
    /// let index = ty.index();
    /// assert!(registry.contains(index));
    /// drop(ty);
    /// assert!(!registry.contains(index));
    /// # Ok::<(), RegistryError>(())
    /// ```
    pub fn contains(&self, ty: impl Into<Lookup>) -> bool {
        match ty.into().0 {
            // A visible slot is one whose group is registered (see the
            // display's slot states).
            By::Index(index) => {
                self.inner.slots.get(index).is_some_and(|slot| slot.display().visible_state().is_some())
            }
            By::Key(key) => self.inner.read_key(key, |_| ()).is_some(),
        }
    }

    /// The registered type `ty`, in runtime form (every reference an engine
    /// index); `None` if it is not registered (a stale or foreign key).
    /// Lock-free.
    ///
    /// The type comes back owned: an `Arc` keeps its memory (not its
    /// registration) for as long as the caller likes, without a pin held
    /// in the caller's code, which would hold back the freeing of every
    /// tenant's unregistered groups. It costs one atomic increment of the
    /// type's count and one decrement when dropped. A caller that reads a
    /// type often keeps a handle instead ([`root`](Self::root)) and reads
    /// through it, which writes nothing.
    ///
    /// # Examples
    /// ```
    /// use wasm_type_registry::*;
    ///
    /// let registry = TypeRegistry::new();
    /// let ty = registry.register_type(SubType::func([ValType::I32], []))?;
    /// let (index, key) = (ty.index(), ty.key());
    /// let borrowed = registry.borrow(key).unwrap();
    /// drop(ty);
    /// // Unregistered: the index and the key answer `None`; the `Arc` still reads.
    /// assert!(registry.borrow(index).is_none() && registry.borrow(key).is_none());
    /// assert_eq!(borrowed.to_string(), "(func (param i32))");
    /// # Ok::<(), RegistryError>(())
    /// ```
    pub fn borrow(&self, ty: impl Into<Lookup>) -> Option<Arc<SubType>> {
        match ty.into().0 {
            By::Index(index) => self.inner.registered_type(index),
            By::Key(key) => self.inner.read_key(key, |found| found.sub_type().clone()),
        }
    }

    /// A new handle on the registered type `ty`, which keeps it registered;
    /// `None` if it is not registered, or is being unregistered right now (a
    /// dying group is never revived). Lock-free.
    pub fn root(&self, ty: impl Into<Lookup>) -> Option<RegisteredType> {
        match ty.into().0 {
            By::Index(index) => {
                let (entry, position) = self.inner.root(index)?;
                Some(RegisteredType { entry, position, index })
            }
            By::Key(key) => {
                let (entry, position) = self.inner.read_key(key, |found| (found.to_entry(), found.position()))?;
                // The entry was this occupant's (checked by `read_key`); if
                // its group is still live, the key's type is registered and
                // stays so. A dead count stays dead, so a group that died
                // since is refused. (Built only on success: a handle dropped
                // on failure would give back a registration it never took.)
                entry.incref_if_live().then(|| RegisteredType { entry, position, index: key.index() })
            }
        }
    }
}
