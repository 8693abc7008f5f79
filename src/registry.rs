//! The engine-wide registry: registering and unregistering rec groups, and
//! the lock-free readers (`is_subtype`, `borrow`, `trampoline_type`).
//!
//! # Synchronization
//! Shared state, and who writes it:
//! - the hash-consing map (`groups`): written under a shard's write lock when
//!   a new group is inserted or a dead one removed; hits read it under the
//!   shard's read lock;
//! - the index table (`slots`): a slot's cells are written by the thread that
//!   reserved the index (publish) and by the thread that unregisters the
//!   group (retire), never both at once, because the index is freed only
//!   after retiring;
//! - registration counts: see [`hash_cons`](crate::hash_cons).
//!
//! Readers take no lock. They may be handed any index, even one that is
//! being unregistered or reused concurrently: slots are type-stable memory,
//! payloads are freed through the epoch collector only after every pinned
//! reader is done, and supertype arrays through arc-swap only after every
//! loaded guard is dropped. So a reader sees the old type, the new type or
//! nothing, never freed or torn data.
//!
//! # The registration protocol
//! ```text
//! register(group):
//!   key = hash-consing form of group
//!   find key under the shard's read lock; incref_if_live  -> hit, done
//!   prepare: take registrations on referenced groups,
//!            check supertypes (changes nothing), register trampoline types,
//!            reserve indices, publish slots (count still 0: invisible to root)
//!   under the shard's write lock:
//!     equal live entry present -> incref it, abandon ours  (lost the race)
//!     dead or no entry         -> put ours in, count 0 -> 1
//!
//! release(entry):
//!   decref; if it was the last:
//!     remove from the map *if the map still holds this entry*
//!     retire slots, free indices, release referenced groups (worklist)
//! ```
//! The resurrection race, which Wasmtime 22 closed with a re-check under its
//! global write lock, cannot happen here because a dead count stays dead:
//!
//! | Thread A (last drop of G) | Thread B (registers a group equal to G) |
//! |---|---|
//! | `decref(G)` → 0 | |
//! | | finds G in the map, `incref_if_live(G)` fails: miss |
//! | | prepares G', write lock: G is dead, replace it with G' (0 → 1) |
//! | `remove_if(ptr_eq G)`: finds G', removes nothing | |
//! | retires G's slots, frees G's indices | |
//!
//! Had B been allowed to revive G (0 → 1), A would go on to retire slots that
//! B's handle uses, and a later drop of B's handle would unregister G a
//! second time (GHSA-7qmx-3fpx-r45m). The `ptr_eq` in the removal is what
//! keeps A from removing G' ("removal by identity").

use std::collections::HashMap;

use crate::canon;
use crate::error::RegistryError;
use crate::hash_cons::{CanonGroup, FixedState, GroupKey, RecGroupEntry};
use crate::matching::{self, TypeLookup};
use crate::module;
use crate::slots::{SlotTable, TypePayload};
use crate::sync::{pin, Arc, Guard, InsertOutcome, ShardedSet};
use crate::trace::trace;
use crate::types::{SharedTypeIndex, SubType, TypeKind, TypeRef};

/// The engine-wide type registry.
///
/// Cheap to clone; clones share one registry. All methods take `&self` and
/// may be called from any number of threads. Types stay registered while a
/// [`TypeCollection`](crate::TypeCollection) or
/// [`RegisteredType`](crate::RegisteredType) holds them.
///
/// # Examples
/// ```
/// use wasm_type_registry::*;
///
/// let registry = TypeRegistry::new();
/// let mut builder = ModuleTypes::builder();
/// let base = builder.sub_type(SubType::struct_(false, None, []));
/// builder.sub_type(SubType::struct_(true, Some(TypeRef::Module(base)), []));
/// let module = builder.build()?;
///
/// let a = registry.register_module(&module)?;
/// let b = registry.register_module(&module)?; // hash-consed: same indices
/// let (base, derived) = (ModuleTypeIndex::from_u32(0), ModuleTypeIndex::from_u32(1));
/// assert_eq!(a.shared_type(derived), b.shared_type(derived));
///
/// let (base, derived) = (a.shared_type(base).unwrap(), a.shared_type(derived).unwrap());
/// assert!(registry.is_subtype(derived, base));
/// assert!(!registry.is_subtype(base, derived));
///
/// drop((a, b));
/// assert_eq!(registry.len(), 0);
/// # Ok::<(), RegistryError>(())
/// ```
#[derive(Clone)]
pub struct TypeRegistry {
    pub(crate) inner: Arc<RegistryInner>,
}

/// Counters describing a registry's memory, for monitoring and leak tests.
/// Each is a snapshot; under concurrent registration they need not agree.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RegistryStats {
    /// Types registered now, trampoline types included (what
    /// [`TypeRegistry::len`] returns).
    pub registered_types: usize,
    /// Live rec groups in the hash-consing map.
    pub rec_groups: usize,
    /// Distinct shared indices ever handed out: the size of the index table.
    /// Flat under churn, because freed indices are reused.
    pub slots_ever_used: usize,
    /// Indices on the free list, ready for reuse.
    pub free_slots: usize,
}

pub(crate) struct RegistryInner {
    groups: ShardedSet<GroupKey>,
    slots: SlotTable,
}

impl Default for TypeRegistry {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for TypeRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TypeRegistry").field("id", &Arc::as_ptr(&self.inner)).field("stats", &self.stats()).finish()
    }
}

impl TypeRegistry {
    /// An empty registry.
    pub fn new() -> Self {
        TypeRegistry { inner: Arc::new(RegistryInner { groups: ShardedSet::new(), slots: SlotTable::new() }) }
    }

    /// The registered type at `index`, in runtime form (every reference a
    /// shared index). `None` if `index` is not registered. Lock-free.
    pub fn borrow(&self, index: SharedTypeIndex) -> Option<Arc<SubType>> {
        let guard = pin();
        self.inner.payload(index, &guard).map(|p| p.sub_type.clone())
    }

    /// Whether `sub` is `sup` or declares it, directly or transitively, as a
    /// supertype. O(1), lock-free and free of atomic read-modify-writes: one
    /// look at `sup`'s depth `d` and at `sub`'s supertype array, whose entry
    /// `d` must be `sup`. For depths below 10 that entry is in the index
    /// table's display column, so the check is a few plain loads.
    ///
    /// Both types should be kept registered by the caller; for an index that
    /// is not registered the answer is `false` (or `true` when `sub == sup`),
    /// and for one unregistered concurrently it is one of the two answers
    /// the registry gave before and after, never a memory error.
    #[inline]
    pub fn is_subtype(&self, sub: SharedTypeIndex, sup: SharedTypeIndex) -> bool {
        sub == sup || self.inner.is_strict_subtype(sub, sup)
    }

    /// The trampoline type of a function type: `index` itself if the type is
    /// its own trampoline type (see the crate docs), otherwise the
    /// registered trampoline type that `index`'s group keeps alive. For
    /// non-function types and unregistered indices, `index` itself. Lock-free.
    pub fn trampoline_type(&self, index: SharedTypeIndex) -> SharedTypeIndex {
        let guard = pin();
        self.inner.payload(index, &guard).map_or(index, |p| p.trampoline)
    }

    /// How many types are registered, trampoline types included. Exact
    /// whenever no registration or unregistration is under way; meanwhile it
    /// may count the types of a group being registered or unregistered.
    pub fn len(&self) -> usize {
        // Every registered type holds one index; counting them needs no
        // counter of its own that all registering threads would write.
        self.inner.slots.in_use()
    }

    /// Whether no type is registered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Memory counters (see [`RegistryStats`]).
    pub fn stats(&self) -> RegistryStats {
        RegistryStats {
            registered_types: self.len(),
            rec_groups: self.inner.groups.len(),
            slots_ever_used: self.inner.slots.capacity_used(),
            free_slots: self.inner.slots.free_len(),
        }
    }

    /// Whether two handles point at the same registry.
    pub(crate) fn same_as(&self, other: &TypeRegistry) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }
}

/// The registry answers for shared indices; it knows nothing of other
/// index spaces.
impl TypeLookup for RegistryInner {
    fn kind(&self, ty: TypeRef) -> Option<TypeKind> {
        let guard = pin();
        self.payload(ty.as_shared()?, &guard).map(|p| p.sub_type.kind())
    }

    fn is_subtype(&self, sub: TypeRef, sup: TypeRef) -> bool {
        match (sub, sup) {
            _ if sub == sup => true,
            (TypeRef::Shared(sub), TypeRef::Shared(sup)) => self.is_strict_subtype(sub, sup),
            _ => false,
        }
    }
}

impl RegistryInner {
    /// The payload of a registered index.
    #[inline]
    fn payload<'g>(&self, index: SharedTypeIndex, guard: &'g Guard) -> Option<&'g TypePayload> {
        self.slots.get(index)?.payload().load(guard)
    }

    /// `sub <: sup` with `sub != sup`: `sub`'s supertype at `sup`'s depth is
    /// `sup`.
    #[inline]
    fn is_strict_subtype(&self, sub: SharedTypeIndex, sup: SharedTypeIndex) -> bool {
        let (Some(sub_slot), Some(sup_slot)) = (self.slots.get(sub), self.slots.get(sup)) else {
            return false;
        };
        // Both reads are plain loads from type-stable slots; see `Slot`'s
        // Synchronization section for why they need no stronger ordering.
        sub_slot.has_ancestor_at(sup_slot.depth(), sup)
    }

    /// Registers one rec group given in hash-consing form, or finds the live
    /// equal one. Returns the entry with one registration for the caller.
    /// `first_type_index` only labels errors. `owner` is the registry whose
    /// inner part `self` is; a new entry keeps it.
    pub(crate) fn register_group(
        &self,
        owner: &TypeRegistry,
        key: CanonGroup,
        first_type_index: u32,
    ) -> Result<Arc<RecGroupEntry>, RegistryError> {
        debug_assert!(std::ptr::eq(&*owner.inner, self), "registering through another registry's handle");
        if let Some(entry) = self.find_live(&key) {
            return Ok(entry);
        }
        let prepared = self.prepare(owner, key, first_type_index)?;
        let outcome = self.groups.insert_or_reuse(
            GroupKey(prepared.clone()),
            |existing| existing.0.incref_if_live().then(|| existing.0.clone()),
            |offered| offered.0.mark_inserted(),
        );
        match outcome {
            InsertOutcome::Reused(existing, offered) => {
                // Another thread inserted an equal group after our lookup.
                drop(offered);
                trace!("{prepared:?}: lost the insertion race to {existing:?}, abandoning");
                self.abandon(prepared);
                Ok(existing)
            }
            InsertOutcome::Inserted(replaced) => {
                // `replaced` is a dead entry whose unregistration is under
                // way in another thread; dropping our `Arc` only frees
                // memory, and we do it outside the shard lock.
                drop(replaced);
                trace!("{prepared:?}: inserted");
                // Ours is one; a concurrent `root` of a published index, or
                // a hash-consing hit on the group, may have added more since
                // the lock was released (tests/insertion_race.rs).
                debug_assert!(prepared.registrations() >= 1);
                Ok(prepared)
            }
        }
    }

    /// The live entry for `key`, with a new registration.
    fn find_live(&self, key: &CanonGroup) -> Option<Arc<RecGroupEntry>> {
        let entry = self.groups.find(key, |existing| existing.0.incref_if_live().then(|| existing.0.clone())).flatten();
        if let Some(entry) = &entry {
            trace!("{entry:?}: hash-consing hit, incref");
        }
        entry
    }

    /// Builds a new entry for `key` and publishes its slots, with a
    /// registration count of zero (so `root` cannot see it yet).
    ///
    /// Validation comes first and changes nothing; only then are trampoline
    /// types registered and indices reserved, which can fail only when the
    /// index space is exhausted. On any error everything taken so far is
    /// given back.
    fn prepare(
        &self,
        owner: &TypeRegistry,
        key: CanonGroup,
        first_type_index: u32,
    ) -> Result<Arc<RecGroupEntry>, RegistryError> {
        let mut prep = Preparation {
            registry: self,
            held: HeldRegistrations::default(),
            reserved: Vec::with_capacity(key.types().len()),
        };
        let mut references = Vec::new();
        prep.hold_referenced_groups(&key, &mut references)?;
        let view = GroupView::new(self, key.types(), first_type_index)?;
        view.check_declared_supertypes()?;
        module::check_referenced_kinds(key.types(), first_type_index, &view)?;
        let trampolines = register_trampolines(self, owner, &view, &mut prep.held, &mut references)?;
        for _ in key.types() {
            prep.reserved.push(self.slots.allocate()?);
        }
        let GroupView { chains, .. } = view;
        let indices: Box<[SharedTypeIndex]> = std::mem::take(&mut prep.reserved).into();
        // Runtime forms are kept apart only where one differs from its key
        // form (`canon::for_runtime` shares the key's `Arc` otherwise).
        let runtime = key
            .types()
            .iter()
            .any(|ty| canon::refers_into_group(ty))
            .then(|| key.types().iter().map(|ty| canon::for_runtime(ty, &indices)).collect());
        let entry = Arc::new(RecGroupEntry::new(owner.clone(), key, runtime, indices, references.into()));
        // The entry now owns the registrations and indices `prep` held.
        prep.held.hand_over();
        let guard = pin();
        let indices = entry.indices();
        for (i, chain) in chains.into_iter().enumerate() {
            let chain = chain.into_iter().map(|r| canon::shared_index(r, indices)).collect();
            let trampoline = trampolines[i].unwrap_or(indices[i]);
            self.publish(indices[i], i as u32, chain, trampoline, &entry, &guard);
        }
        trace!("{entry:?}: prepared {} types", indices.len());
        Ok(entry)
    }

    /// Fills the slot of a freshly reserved index.
    fn publish(
        &self,
        index: SharedTypeIndex,
        position: u32,
        chain: Box<[SharedTypeIndex]>,
        trampoline: SharedTypeIndex,
        entry: &Arc<RecGroupEntry>,
        guard: &Guard,
    ) {
        let Some(slot) = self.slots.get(index) else {
            debug_assert!(false, "reserved {index:?} has no slot");
            return;
        };
        slot.set_supertypes(chain);
        let sub_type = entry.runtime_type(position as usize).clone();
        slot.payload().publish(TypePayload { sub_type, entry: entry.clone(), position, trampoline }, guard);
    }

    /// A new registration on the group that owns `index`, and the type's
    /// position in it.
    pub(crate) fn root(&self, index: SharedTypeIndex) -> Option<(Arc<RecGroupEntry>, u32)> {
        let guard = pin();
        let payload = self.payload(index, &guard)?;
        // The guard keeps `payload` (and so the entry) allocated even if the
        // group dies right now; `incref_if_live` then fails, because a dead
        // count stays dead, and we report the index as unregistered.
        let live = payload.entry.incref_if_live();
        trace!("{:?}: root({index:?}) {}", payload.entry, if live { "incref" } else { "refused: not live" });
        live.then(|| (payload.entry.clone(), payload.position))
    }

    /// The entry owning a registered index, without a new registration.
    fn entry_of(&self, index: SharedTypeIndex, guard: &Guard) -> Option<Arc<RecGroupEntry>> {
        self.payload(index, guard).map(|p| p.entry.clone())
    }

    /// Drops one registration of `entry`, unregistering it (and what only it
    /// kept alive) if that was the last. Allocates nothing unless it
    /// unregisters: this is every `RegisteredType` drop.
    pub(crate) fn release(&self, entry: &Arc<RecGroupEntry>, why: &str) {
        if entry.decref(why) {
            let mut worklist = Vec::new();
            self.unregister(entry, &mut worklist);
            self.release_all(worklist, why);
        }
    }

    /// Drops one registration of each entry; unregisters those whose count
    /// reaches zero and, through an explicit worklist rather than recursion,
    /// the groups that only they kept alive.
    pub(crate) fn release_all(&self, entries: impl IntoIterator<Item = Arc<RecGroupEntry>>, why: &str) {
        let mut worklist: Vec<Arc<RecGroupEntry>> = entries.into_iter().collect();
        while let Some(entry) = worklist.pop() {
            if entry.decref(why) {
                self.unregister(&entry, &mut worklist);
            }
        }
    }

    /// Unregisters an entry whose count just reached zero.
    fn unregister(&self, entry: &Arc<RecGroupEntry>, worklist: &mut Vec<Arc<RecGroupEntry>>) {
        // Removal by identity: a registration racing with us may already
        // have replaced this dead entry with a fresh equal one, which must
        // stay (see "the resurrection race" above).
        let removed = self.groups.remove_if(entry.key(), |k| Arc::ptr_eq(&k.0, entry));
        trace!("{entry:?}: unregistering (removed from map: {})", removed.is_some());
        drop(removed);
        self.dismantle(entry, worklist);
    }

    /// Gives back an entry that lost the insertion race; it was never live.
    fn abandon(&self, entry: Arc<RecGroupEntry>) {
        let mut references = Vec::new();
        self.dismantle(&entry, &mut references);
        self.release_all(references, "abandoned group's reference");
    }

    /// Retires an entry's slots and frees its indices, and queues the groups
    /// it holds registrations on for release.
    fn dismantle(&self, entry: &RecGroupEntry, worklist: &mut Vec<Arc<RecGroupEntry>>) {
        entry.debug_assert_first_dismantle();
        let guard = pin();
        for &reference in entry.references() {
            // The entry holds a registration on it, so it is live.
            match self.entry_of(reference, &guard) {
                Some(referenced) => worklist.push(referenced),
                None => debug_assert!(false, "{entry:?} references unregistered {reference:?}"),
            }
        }
        for &index in entry.indices() {
            if let Some(slot) = self.slots.get(index) {
                slot.clear_supertypes();
                let had_payload = slot.payload().retire(&guard);
                debug_assert!(had_payload, "{index:?} of {entry:?} was already retired");
                // Only after retiring: the next owner of `index` publishes
                // into an empty slot.
                self.slots.free(index);
            }
        }
        trace!("{entry:?}: dismantled");
    }
}

/// What `prepare` has taken so far; gives it all back if dropped before the
/// entry is built (an error, or a panic).
struct Preparation<'r> {
    registry: &'r RegistryInner,
    /// Registrations taken on other groups.
    held: HeldRegistrations,
    /// Indices reserved for the new group's types; their slots are empty.
    reserved: Vec<SharedTypeIndex>,
}

/// Registrations that are released when dropped, unless handed over.
#[derive(Default)]
struct HeldRegistrations(Vec<Arc<RecGroupEntry>>);

impl HeldRegistrations {
    fn push(&mut self, entry: Arc<RecGroupEntry>) {
        self.0.push(entry);
    }

    /// The registrations now belong to someone else (the new entry): forget
    /// them without releasing.
    fn hand_over(&mut self) {
        self.0.clear();
    }
}

impl Drop for Preparation<'_> {
    fn drop(&mut self) {
        for &index in &self.reserved {
            self.registry.slots.free(index);
        }
        self.registry.release_all(std::mem::take(&mut self.held.0), "registration rolled back");
    }
}

impl Preparation<'_> {
    /// Takes one registration on each distinct group that the key's types
    /// reference by shared index, and records one index per group in
    /// `references`.
    fn hold_referenced_groups(
        &mut self,
        key: &CanonGroup,
        references: &mut Vec<SharedTypeIndex>,
    ) -> Result<(), RegistryError> {
        // Pinned only once a reference is found: most function types have none.
        let mut guard: Option<Guard> = None;
        let mut seen: HashMap<*const RecGroupEntry, (), FixedState> = HashMap::default();
        for ty in key.types() {
            ty.trace(|r| {
                let TypeRef::Shared(index) = r else { return Ok(()) };
                let guard = guard.get_or_insert_with(pin);
                let entry =
                    self.registry.entry_of(index, guard).ok_or(RegistryError::UnregisteredSharedIndex { index })?;
                if seen.insert(Arc::as_ptr(&entry), ()).is_none() {
                    if !entry.incref_if_live() {
                        return Err(RegistryError::UnregisteredSharedIndex { index });
                    }
                    trace!("{entry:?}: incref (referenced by a new group)");
                    references.push(index);
                    self.held.push(entry);
                }
                Ok(())
            })?;
        }
        Ok(())
    }
}

/// Registers the trampoline type of each function type that is not its own
/// trampoline, holding a registration on each in `held`. Returns each type's
/// trampoline index, `None` for "itself" (its index is not reserved yet).
fn register_trampolines(
    registry: &RegistryInner,
    owner: &TypeRegistry,
    view: &GroupView<'_>,
    held: &mut HeldRegistrations,
    references: &mut Vec<SharedTypeIndex>,
) -> Result<Vec<Option<SharedTypeIndex>>, RegistryError> {
    let mut trampolines = Vec::with_capacity(view.types.len());
    for (i, ty) in view.types.iter().enumerate() {
        let Some(func) = ty.as_func().filter(|_| !canon::is_own_trampoline(ty)) else {
            trampolines.push(None);
            continue;
        };
        let trampoline_ty = canon::trampoline_type(func, view).ok_or(RegistryError::WrongIndexSpace {
            type_index: view.type_index(i),
            reference: TypeRef::RecGroup(i as u32),
            expected: "references to registered types",
        })?;
        let entry = registry.register_group(owner, CanonGroup::new(Box::new([Arc::new(trampoline_ty)])), 0)?;
        let trampoline = entry.indices()[0];
        trace!("type {} of a new group: trampoline type {trampoline:?}", view.type_index(i));
        trampolines.push(Some(trampoline));
        references.push(trampoline);
        held.push(entry);
    }
    Ok(trampolines)
}

/// A new group's types, in hash-consing form, seen together with the
/// registry: group-relative references answer from the group, shared ones
/// from the registry. Lets the group be checked before it has indices, so
/// that a refused group changes nothing.
struct GroupView<'a> {
    registry: &'a RegistryInner,
    types: &'a [Arc<SubType>],
    /// Each type's supertype chain (outermost first): shared indices for
    /// ancestors outside the group, relative ones inside.
    chains: Vec<Vec<TypeRef>>,
    first_type_index: u32,
}

impl<'a> GroupView<'a> {
    /// Computes every type's supertype chain, checking that declared
    /// supertypes are earlier, not final, of the same kind, and not too deep.
    fn new(
        registry: &'a RegistryInner,
        types: &'a [Arc<SubType>],
        first_type_index: u32,
    ) -> Result<Self, RegistryError> {
        let mut view = GroupView { registry, types, chains: Vec::with_capacity(types.len()), first_type_index };
        for (i, ty) in types.iter().enumerate() {
            let chain = match ty.supertype {
                None => Vec::new(),
                Some(sup) => view.chain_below(i, sup)?,
            };
            view.chains.push(chain);
        }
        Ok(view)
    }

    fn type_index(&self, i: usize) -> u32 {
        self.first_type_index.saturating_add(i as u32)
    }

    /// The chain of type `i`, whose declared supertype is `sup`.
    fn chain_below(&self, i: usize, sup: TypeRef) -> Result<Vec<TypeRef>, RegistryError> {
        let type_index = self.type_index(i);
        let mut chain = match sup {
            TypeRef::RecGroup(position) => {
                let position = position as usize;
                if position >= i {
                    return Err(RegistryError::SupertypeNotEarlier {
                        type_index,
                        supertype: self.type_index(position),
                    });
                }
                module::check_supertype_shape(type_index, &self.types[i], sup, &self.types[position])?;
                self.chains[position].clone()
            }
            TypeRef::Shared(index) => {
                let guard = pin();
                let payload =
                    self.registry.payload(index, &guard).ok_or(RegistryError::UnregisteredSharedIndex { index })?;
                module::check_supertype_shape(type_index, &self.types[i], sup, &payload.sub_type)?;
                let slot = self.registry.slots.get(index).ok_or(RegistryError::UnregisteredSharedIndex { index })?;
                slot.supertype_chain().into_iter().map(TypeRef::Shared).collect()
            }
            TypeRef::Module(_) => {
                return Err(RegistryError::WrongIndexSpace {
                    type_index,
                    reference: sup,
                    expected: "shared or rec-group-relative type indices",
                })
            }
        };
        chain.push(sup);
        module::check_depth(type_index, chain.len())?;
        Ok(chain)
    }

    /// Every declared supertype's structure matches (needs all chains, since
    /// fields may reference later types of the group).
    fn check_declared_supertypes(&self) -> Result<(), RegistryError> {
        let guard = pin();
        for (i, ty) in self.types.iter().enumerate() {
            let sup_ty: &SubType = match ty.supertype {
                None => continue,
                Some(TypeRef::RecGroup(position)) => &self.types[position as usize],
                Some(TypeRef::Shared(index)) => match self.registry.payload(index, &guard) {
                    Some(payload) => &payload.sub_type,
                    None => return Err(RegistryError::UnregisteredSharedIndex { index }),
                },
                // Refused by `chain_below` already.
                Some(TypeRef::Module(_)) => continue,
            };
            matching::composite_matches(self, &ty.composite, &sup_ty.composite)
                .map_err(|detail| RegistryError::SupertypeMismatch { type_index: self.type_index(i), detail })?;
        }
        Ok(())
    }

    /// The depth of a type (how many supertypes it has).
    fn depth(&self, ty: TypeRef) -> Option<usize> {
        match ty {
            TypeRef::RecGroup(position) => self.chains.get(position as usize).map(Vec::len),
            TypeRef::Shared(index) => self.registry.slots.get(index).map(|slot| slot.depth()),
            TypeRef::Module(_) => None,
        }
    }
}

impl TypeLookup for GroupView<'_> {
    fn kind(&self, ty: TypeRef) -> Option<TypeKind> {
        match ty {
            TypeRef::RecGroup(position) => self.types.get(position as usize).map(|t| t.kind()),
            _ => self.registry.kind(ty),
        }
    }

    fn is_subtype(&self, sub: TypeRef, sup: TypeRef) -> bool {
        match sub {
            _ if sub == sup => true,
            TypeRef::RecGroup(position) => match (self.depth(sup), self.chains.get(position as usize)) {
                (Some(depth), Some(chain)) => chain.get(depth) == Some(&sup),
                _ => false,
            },
            // A type outside the group cannot have a supertype inside it.
            _ => self.registry.is_subtype(sub, sup),
        }
    }
}
