//! The global-lock design: Wasmtime 22's `TypeRegistry`, ported onto this
//! crate's type model, as the baseline the lock-free registry is measured
//! against.
//!
//! What is kept from the reference design (crates/wasmtime/src/runtime/type_registry.rs,
//! Wasmtime 22.0.0):
//! - one `std::sync::RwLock` (Wasmtime's `sync_std` lock) around everything:
//!   a `HashSet` of rec group entries, a slab of types with a free list, a
//!   type → rec group map, per-type supertype lists, per-type trampoline
//!   types, and the explicit drop stack;
//! - *every* registration, hit or miss, takes the write lock for its whole
//!   duration, canonicalization included (Wasmtime's `TypeCollection::new_for_module`
//!   and `TypeRegistry::register_type` lock first, then canonicalize);
//! - reference counts are atomics touched outside the lock on clone and
//!   drop; the drop that reaches zero takes the write lock and unregisters,
//!   after re-checking that nobody resurrected the entry in between and that
//!   it was not unregistered already (the `unregistered` flag);
//! - a cross-group reference takes one registration per *occurrence* (the
//!   key's traced engine indices), and gives them back the same way;
//! - `TypeRegistry::root` increments under the read lock; `borrow`,
//!   `trampoline_type` and `is_subtype` each take the read lock;
//! - after registering a module, its trampoline map is built outside the
//!   write lock with one `trampoline_type` call (one read lock) per function.
//!
//! What is taken from this crate instead, so that the concurrency design is
//! the only difference: the type model, the hash-consing key
//! ([`CanonGroup`], with the same precomputed `ahash`), canonicalization for
//! hash consing and for runtime use (through the reserved indices, i.e. with
//! Wasmtime PR #10435's fix), trampoline types (with PR #9446's rule), and
//! the checks the crate makes while registering a new group (supertype
//! shape, depth, structural matching). All of it comes through the hidden
//! `wasm_type_registry::__bench` module.
//!
//! Not a library: benchmark input is valid, so this code panics where the
//! crate would return an error it cannot produce here.

use std::borrow::Borrow;
use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use wasm_type_registry::__bench::{self as internals, CanonGroup, TypeLookup};
use wasm_type_registry::{
    EngineTypeIndex, ModuleTypeIndex, ModuleTypes, RefSite, RegistryError, SubType, TypeError, TypeKind, TypeRef,
};

/// The registry: one lock around all of its state.
#[derive(Clone, Default)]
pub struct GlobalLockRegistry(Arc<RwLock<Inner>>);

/// A rec group entry, hashed and compared by its hash-consing key.
#[derive(Clone)]
struct Entry(Arc<EntryInner>);

struct EntryInner {
    key: CanonGroup,
    indices: Box<[EngineTypeIndex]>,
    registrations: AtomicUsize,
    /// Set once, under the write lock, by the thread that unregisters the
    /// entry; a second unregistration attempt sees it and backs off.
    unregistered: AtomicBool,
}

impl Entry {
    fn incref(&self) {
        // `AcqRel`, as in the reference design.
        self.0.registrations.fetch_add(1, Ordering::AcqRel);
    }

    /// `true` when this was the last registration.
    #[must_use]
    fn decref(&self) -> bool {
        // `AcqRel`, as in the reference design.
        self.0.registrations.fetch_sub(1, Ordering::AcqRel) == 1
    }
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        self.0.key == other.0.key
    }
}

impl Eq for Entry {}

impl Hash for Entry {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.key.hash(state)
    }
}

impl Borrow<CanonGroup> for Entry {
    fn borrow(&self) -> &CanonGroup {
        &self.0.key
    }
}

/// A slab with an intrusive free list (`wasmtime_slab`'s shape): freed ids
/// are reused last-in first-out, and the vector never shrinks.
struct Slab<T> {
    entries: Vec<SlabEntry<T>>,
    free_head: Option<u32>,
    len: usize,
}

enum SlabEntry<T> {
    Occupied(T),
    Free { next: Option<u32> },
}

impl<T> Default for Slab<T> {
    fn default() -> Self {
        Slab { entries: Vec::new(), free_head: None, len: 0 }
    }
}

impl<T> Slab<T> {
    fn alloc(&mut self, value: T) -> Result<EngineTypeIndex, RegistryError> {
        let id = match self.free_head {
            Some(id) => {
                let next = match &self.entries[id as usize] {
                    SlabEntry::Free { next } => *next,
                    SlabEntry::Occupied(_) => unreachable!("free list points at an occupied entry"),
                };
                self.free_head = next;
                self.entries[id as usize] = SlabEntry::Occupied(value);
                id
            }
            None => {
                let id = u32::try_from(self.entries.len())
                    .ok()
                    .filter(|&id| id < u32::MAX)
                    .ok_or(RegistryError::IndexSpaceExhausted)?;
                self.entries.push(SlabEntry::Occupied(value));
                id
            }
        };
        self.len += 1;
        Ok(EngineTypeIndex::from_u32(id))
    }

    fn get(&self, index: EngineTypeIndex) -> Option<&T> {
        match self.entries.get(index.as_usize()) {
            Some(SlabEntry::Occupied(value)) => Some(value),
            _ => None,
        }
    }

    fn get_mut(&mut self, index: EngineTypeIndex) -> Option<&mut T> {
        match self.entries.get_mut(index.as_usize()) {
            Some(SlabEntry::Occupied(value)) => Some(value),
            _ => None,
        }
    }

    fn dealloc(&mut self, index: EngineTypeIndex) {
        let freed = std::mem::replace(&mut self.entries[index.as_usize()], SlabEntry::Free { next: self.free_head });
        assert!(matches!(freed, SlabEntry::Occupied(_)), "double free of {index:?}");
        self.free_head = Some(index.as_u32());
        self.len -= 1;
    }
}

/// A map indexed by engine index (Wasmtime's `SecondaryMap`): grows on
/// write, reads past the end give the default.
struct SecondaryMap<T>(Vec<Option<T>>);

impl<T> Default for SecondaryMap<T> {
    fn default() -> Self {
        SecondaryMap(Vec::new())
    }
}

impl<T> SecondaryMap<T> {
    fn get(&self, index: EngineTypeIndex) -> Option<&T> {
        self.0.get(index.as_usize()).and_then(Option::as_ref)
    }

    fn set(&mut self, index: EngineTypeIndex, value: Option<T>) -> Option<T> {
        let i = index.as_usize();
        if i >= self.0.len() {
            // Clearing past the end: nothing to clear, nothing to grow.
            value.as_ref()?;
            self.0.resize_with(i + 1, || None);
        }
        std::mem::replace(&mut self.0[i], value)
    }
}

#[derive(Default)]
struct Inner {
    hash_consing_map: HashSet<Entry, ahash::RandomState>,
    /// `None` while a group's indices are reserved but its types not yet
    /// written (the reference design after PR #10435).
    types: Slab<Option<Arc<SubType>>>,
    type_to_rec_group: SecondaryMap<Entry>,
    /// Outermost first; absent for types without a supertype.
    type_to_supertypes: SecondaryMap<Box<[EngineTypeIndex]>>,
    /// Absent for types that are their own trampoline type.
    type_to_trampoline: SecondaryMap<EngineTypeIndex>,
    drop_stack: Vec<Entry>,
    /// Random seeds per registry, as the crate's registry draws them.
    hasher: internals::GroupHasher,
}

impl TypeLookup for Inner {
    fn kind(&self, ty: TypeRef) -> Option<TypeKind> {
        self.types.get(ty.as_engine()?)?.as_ref().map(|ty| ty.kind())
    }

    fn is_subtype(&self, sub: TypeRef, sup: TypeRef) -> bool {
        match (sub, sup) {
            _ if sub == sup => true,
            (TypeRef::Engine(sub), TypeRef::Engine(sup)) => {
                self.supertypes(sub).get(self.supertypes(sup).len()) == Some(&sup)
            }
            _ => false,
        }
    }
}

impl Inner {
    fn supertypes(&self, index: EngineTypeIndex) -> &[EngineTypeIndex] {
        self.type_to_supertypes.get(index).map_or(&[], |s| s)
    }

    fn sub_type(&self, index: EngineTypeIndex) -> Option<&Arc<SubType>> {
        self.types.get(index)?.as_ref()
    }

    fn register_module(&mut self, module: &ModuleTypes) -> Result<(Vec<Entry>, Vec<EngineTypeIndex>), RegistryError> {
        let mut entries = Vec::with_capacity(module.rec_group_count());
        let mut map = Vec::with_capacity(module.len());
        for (start, group) in module.rec_groups() {
            if group.is_empty() {
                continue;
            }
            let registered = internals::module_group_key(group, start, &map, &self.hasher)
                .map_err(RegistryError::from)
                .and_then(|key| self.register_rec_group(key, start.as_u32()));
            match registered {
                Ok(entry) => {
                    map.extend_from_slice(&entry.0.indices);
                    entries.push(entry);
                }
                Err(e) => {
                    for entry in entries {
                        if entry.decref() {
                            self.unregister_entry(entry);
                        }
                    }
                    return Err(e);
                }
            }
        }
        Ok((entries, map))
    }

    /// Registers a group in hash-consing form, or increfs the equal one.
    fn register_rec_group(&mut self, key: CanonGroup, first_type_index: u32) -> Result<Entry, RegistryError> {
        if let Some(entry) = self.hash_consing_map.get(&key) {
            assert!(!entry.0.unregistered.load(Ordering::Acquire));
            entry.incref();
            return Ok(entry.clone());
        }

        // Inter-group edges: one registration per traced reference.
        let mut held: Vec<Entry> = Vec::new();
        let traced: Result<(), TypeError> = key.types().iter().enumerate().try_for_each(|(i, ty)| {
            let type_index = first_type_index.saturating_add(i as u32);
            ty.trace_sites(|site, r| {
                let TypeRef::Engine(index) = r else { return Ok(()) };
                let other = self
                    .type_to_rec_group
                    .get(index)
                    .ok_or(TypeError::UnregisteredEngineIndex { index, referrer: Some((type_index, site)) })?;
                other.incref();
                held.push(other.clone());
                Ok(())
            })
        });
        if let Err(e) = traced {
            self.release(held);
            return Err(e.into());
        }

        // Reserve one index per type, then write the runtime forms through
        // the reserved indices.
        let mut indices = Vec::with_capacity(key.types().len());
        for _ in key.types() {
            match self.types.alloc(None) {
                Ok(index) => indices.push(index),
                Err(e) => {
                    self.rollback(&indices, held);
                    return Err(e);
                }
            }
        }
        for (ty, &index) in key.types().iter().zip(&indices) {
            *self.types.get_mut(index).expect("reserved") = Some(internals::for_runtime(ty, &indices));
        }
        if let Err(e) = self.insert_supertypes(&indices, first_type_index) {
            self.rollback(&indices, held);
            return Err(e.into());
        }

        let entry = Entry(Arc::new(EntryInner {
            key,
            indices: indices.into(),
            registrations: AtomicUsize::new(1),
            unregistered: AtomicBool::new(false),
        }));
        let is_new = self.hash_consing_map.insert(entry.clone());
        debug_assert!(is_new);
        for &index in entry.0.indices.iter() {
            self.type_to_rec_group.set(index, Some(entry.clone()));
        }

        // Finally the trampoline types, recursively under the same lock.
        for &index in entry.0.indices.iter() {
            let ty = self.sub_type(index).expect("just written").clone();
            let Some(func) = ty.as_func().filter(|_| !internals::is_own_trampoline(&ty)) else { continue };
            let trampoline = internals::trampoline_type(func, self).expect("references were checked");
            match self.register_rec_group(CanonGroup::new(Box::new([Arc::new(trampoline)]), &self.hasher), 0) {
                Ok(trampoline_entry) => {
                    self.type_to_trampoline.set(index, Some(trampoline_entry.0.indices[0]));
                }
                Err(e) => {
                    // Only index exhaustion gets here; undo the whole group.
                    self.release(vec![entry]);
                    return Err(e);
                }
            }
        }
        Ok(entry)
    }

    /// Supertype lists, with the checks the crate makes for a new group:
    /// supertype earlier, not final, same kind and sharedness, not too deep,
    /// matching; continuation targets are function types and shared types
    /// mention only shared types.
    fn insert_supertypes(&mut self, indices: &[EngineTypeIndex], first_type_index: u32) -> Result<(), TypeError> {
        let positions: HashMap<EngineTypeIndex, usize, ahash::RandomState> =
            indices.iter().enumerate().map(|(i, &index)| (index, i)).collect();
        for (i, &index) in indices.iter().enumerate() {
            let type_index = first_type_index.saturating_add(i as u32);
            let ty = self.sub_type(index).expect("just written").clone();
            let Some(sup) = ty.supertype else { continue };
            let TypeRef::Engine(sup_index) = sup else {
                return Err(TypeError::WrongIndexSpace {
                    type_index,
                    site: Some(RefSite::Supertype),
                    reference: sup,
                    expected: "engine type indices",
                });
            };
            if let Some(&position) = positions.get(&sup_index).filter(|&&p| p >= i) {
                return Err(TypeError::SupertypeNotEarlier {
                    type_index,
                    supertype: first_type_index.saturating_add(position as u32),
                });
            }
            let sup_ty = self.sub_type(sup_index).ok_or(TypeError::UnregisteredEngineIndex {
                index: sup_index,
                referrer: Some((type_index, RefSite::Supertype)),
            })?;
            internals::check_supertype_shape(type_index, &ty, sup, sup_ty)?;
            let chain: Box<[EngineTypeIndex]> =
                self.supertypes(sup_index).iter().copied().chain(std::iter::once(sup_index)).collect();
            internals::check_depth(type_index, chain.len())?;
            self.type_to_supertypes.set(index, Some(chain));
        }
        for (i, &index) in indices.iter().enumerate() {
            let ty = self.sub_type(index).expect("just written");
            let Some(TypeRef::Engine(sup)) = ty.supertype else { continue };
            let sup_ty = self.sub_type(sup).expect("checked above");
            internals::composite_matches(self, &ty.composite, &sup_ty.composite).map_err(|detail| {
                TypeError::SupertypeMismatch { type_index: first_type_index.saturating_add(i as u32), detail }
            })?;
        }
        let types: Vec<&SubType> =
            indices.iter().map(|&index| &**self.sub_type(index).expect("just written")).collect();
        internals::check_referenced_kinds(&types, first_type_index, self)?;
        Ok(())
    }

    /// Undoes a registration that failed before its entry was inserted.
    fn rollback(&mut self, indices: &[EngineTypeIndex], held: Vec<Entry>) {
        for &index in indices {
            self.type_to_supertypes.set(index, None);
            self.types.dealloc(index);
        }
        self.release(held);
    }

    fn release(&mut self, held: Vec<Entry>) {
        for entry in held {
            if entry.decref() {
                self.unregister_entry(entry);
            }
        }
    }

    /// Unregisters an entry whose count was seen reaching zero, unless it
    /// was resurrected since or already unregistered (the two races the
    /// reference design re-checks under its write lock).
    fn unregister_entry(&mut self, entry: Entry) {
        debug_assert!(self.drop_stack.is_empty());
        if entry.0.registrations.load(Ordering::Acquire) != 0 || entry.0.unregistered.load(Ordering::Acquire) {
            return;
        }
        self.drop_stack.push(entry);
        while let Some(entry) = self.drop_stack.pop() {
            debug_assert_eq!(entry.0.registrations.load(Ordering::Acquire), 0);
            entry.0.unregistered.store(true, Ordering::Release);
            for ty in entry.0.key.types() {
                let _ = ty.trace(|r| {
                    if let TypeRef::Engine(other) = r {
                        let other = self.type_to_rec_group.get(other).expect("referenced group is registered");
                        if other.decref() {
                            self.drop_stack.push(other.clone());
                        }
                    }
                    Ok::<(), ()>(())
                });
            }
            self.hash_consing_map.remove(&entry);
            for &index in entry.0.indices.iter() {
                self.type_to_rec_group.set(index, None);
                if let Some(trampoline) = self.type_to_trampoline.set(index, None) {
                    let trampoline_entry = self.type_to_rec_group.get(trampoline).expect("trampoline is registered");
                    if trampoline_entry.decref() {
                        self.drop_stack.push(trampoline_entry.clone());
                    }
                }
                self.type_to_supertypes.set(index, None);
                self.types.dealloc(index);
            }
        }
    }
}

impl GlobalLockRegistry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    fn read(&self) -> RwLockReadGuard<'_, Inner> {
        self.0.read().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, Inner> {
        self.0.write().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Registers a module's rec groups under the write lock.
    pub fn register_module(&self, module: &ModuleTypes) -> Result<GlobalLockCollection, RegistryError> {
        let (rec_groups, types) = self.write().register_module(module)?;
        let mut trampolines = HashMap::default();
        for (module_index, &shared) in types.iter().enumerate() {
            if module.types()[module_index].as_func().is_some() {
                let trampoline = self.trampoline_type(shared);
                trampolines.entry(trampoline).or_insert(ModuleTypeIndex::from_u32(module_index as u32));
            }
        }
        Ok(GlobalLockCollection { registry: self.clone(), rec_groups, types, trampolines })
    }

    /// Registers one type as a singleton rec group under the write lock.
    pub fn register_type(&self, ty: SubType) -> Result<GlobalLockRegisteredType, RegistryError> {
        let mut inner = self.write();
        internals::check_size_limits(0, &ty)?;
        let key = internals::singleton_key(ty, &inner.hasher)?;
        let entry = inner.register_rec_group(key, 0)?;
        let index = entry.0.indices[0];
        let ty = inner.sub_type(index).expect("just registered").clone();
        drop(inner);
        Ok(GlobalLockRegisteredType { registry: self.clone(), entry, index, ty })
    }

    /// A new handle on a registered type; increfs under the read lock.
    pub fn root(&self, index: EngineTypeIndex) -> Option<GlobalLockRegisteredType> {
        let inner = self.read();
        let ty = inner.sub_type(index)?.clone();
        let entry = inner.type_to_rec_group.get(index)?.clone();
        entry.incref();
        drop(inner);
        Some(GlobalLockRegisteredType { registry: self.clone(), entry, index, ty })
    }

    /// The registered type at `index`, under the read lock.
    pub fn borrow(&self, index: EngineTypeIndex) -> Option<Arc<SubType>> {
        self.read().sub_type(index).cloned()
    }

    /// The trampoline type of `index`, under the read lock.
    pub fn trampoline_type(&self, index: EngineTypeIndex) -> EngineTypeIndex {
        self.read().type_to_trampoline.get(index).copied().unwrap_or(index)
    }

    /// The O(1) supertype-list check, under the read lock.
    pub fn is_subtype(&self, sub: EngineTypeIndex, sup: EngineTypeIndex) -> bool {
        if sub == sup {
            return true;
        }
        let inner = self.read();
        inner.supertypes(sub).get(inner.supertypes(sup).len()) == Some(&sup)
    }

    /// Registered types, trampolines included.
    pub fn len(&self) -> usize {
        self.read().types.len
    }

    /// Whether nothing is registered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Slab entries ever allocated (the slab never shrinks).
    pub fn slots_ever_used(&self) -> usize {
        self.read().types.entries.len()
    }
}

/// A module's registered types; unregisters them (write lock) when dropped.
pub struct GlobalLockCollection {
    registry: GlobalLockRegistry,
    rec_groups: Vec<Entry>,
    types: Vec<EngineTypeIndex>,
    trampolines: HashMap<EngineTypeIndex, ModuleTypeIndex, ahash::RandomState>,
}

impl GlobalLockCollection {
    /// Every type's engine index, in module order.
    pub fn engine_types(&self) -> &[EngineTypeIndex] {
        &self.types
    }

    /// The module's type whose trampoline type is `trampoline`.
    pub fn module_trampoline_type(&self, trampoline: EngineTypeIndex) -> Option<ModuleTypeIndex> {
        self.trampolines.get(&trampoline).copied()
    }
}

impl Drop for GlobalLockCollection {
    fn drop(&mut self) {
        if !self.rec_groups.is_empty() {
            let groups = std::mem::take(&mut self.rec_groups);
            self.registry.write().release(groups);
        }
    }
}

/// One registered type; its last drop takes the write lock.
pub struct GlobalLockRegisteredType {
    registry: GlobalLockRegistry,
    entry: Entry,
    index: EngineTypeIndex,
    ty: Arc<SubType>,
}

impl GlobalLockRegisteredType {
    /// The type's engine index.
    pub fn index(&self) -> EngineTypeIndex {
        self.index
    }

    /// The type in runtime form.
    pub fn sub_type(&self) -> &Arc<SubType> {
        &self.ty
    }
}

impl Clone for GlobalLockRegisteredType {
    fn clone(&self) -> Self {
        self.entry.incref();
        GlobalLockRegisteredType {
            registry: self.registry.clone(),
            entry: self.entry.clone(),
            index: self.index,
            ty: self.ty.clone(),
        }
    }
}

impl Drop for GlobalLockRegisteredType {
    fn drop(&mut self) {
        if self.entry.decref() {
            self.registry.write().unregister_entry(self.entry.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_type_shapes as shapes;

    #[test]
    fn registers_the_real_shapes_like_the_crate_does() {
        for module in [shapes::dart2wasm_like(1), shapes::singleton_groups(2, 500), shapes::small_module(3, 20)] {
            let crate_registry = wasm_type_registry::TypeRegistry::new();
            let ours = crate_registry.register_module(&module).unwrap();
            let registry = GlobalLockRegistry::new();
            let a = registry.register_module(&module).unwrap();
            let b = registry.register_module(&module).unwrap();
            assert_eq!(a.engine_types(), b.engine_types());
            assert_eq!(registry.len(), crate_registry.len(), "same types and trampolines registered");
            // Same hash consing: equal types map to equal indices in both.
            let pairs = |types: &[EngineTypeIndex]| {
                let mut seen = HashMap::new();
                types.iter().enumerate().map(|(i, t)| *seen.entry(*t).or_insert(i)).collect::<Vec<_>>()
            };
            assert_eq!(pairs(a.engine_types()), pairs(ours.engine_types()));
            for (i, &sub) in a.engine_types().iter().enumerate() {
                let j = (i * 7919) % a.engine_types().len();
                let sup = a.engine_types()[j];
                assert_eq!(
                    registry.is_subtype(sub, sup),
                    crate_registry.is_subtype(ours.engine_types()[i], ours.engine_types()[j])
                );
            }
            drop((a, b));
            assert_eq!(registry.len(), 0);
            assert!(registry.read().hash_consing_map.is_empty());
        }
    }

    #[test]
    fn handles_keep_types_and_the_last_drop_unregisters() {
        let registry = GlobalLockRegistry::new();
        let f = registry.register_type(shapes::numbered_func_type(5)).unwrap();
        let again = registry.register_type(shapes::numbered_func_type(5)).unwrap();
        assert_eq!(f.index(), again.index());
        let rooted = registry.root(f.index()).unwrap();
        drop((f, again));
        assert!(registry.borrow(rooted.index()).is_some());
        let index = rooted.index();
        drop(rooted);
        assert!(registry.borrow(index).is_none());
        assert!(registry.root(index).is_none());
        assert_eq!(registry.len(), 0);
    }

    #[test]
    fn failed_registration_leaves_the_registry_unchanged() {
        let registry = GlobalLockRegistry::new();
        let base = registry.register_type(SubType::struct_(true, None, [])).unwrap();
        let bad = SubType::struct_(true, Some(TypeRef::Engine(base.index())), []);
        assert!(matches!(registry.register_type(bad), Err(RegistryError::Type(TypeError::SupertypeIsFinal { .. }))));
        assert_eq!(registry.len(), 1);
        drop(base);
        assert_eq!(registry.len(), 0);
    }
}
