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
//!   group (hide, then empty), never both at once, because the index is
//!   freed only after its cell is emptied;
//! - registration counts: see [`entry`].
//!
//! Readers take no lock. They may be handed any index, even one that is
//! being unregistered or reused concurrently: slots are type-stable memory,
//! a slot refers to its rec group's entry, and an unregistered group's
//! entry is retired as one value and freed only after every reader pinned
//! when it was unlinked is done (see [`TypeRegistry::flush`]); deep supertype chains go through
//! arc-swap, freed only after every loaded guard is dropped. Every read is
//! bracketed by the slot's sequence lock, so a reader sees the old type,
//! the new type or nothing, never freed or torn data.
//!
//! # Layout
//! - this module: [`TypeRegistry`]'s public methods, the lock-free readers,
//!   and what a reader finds in a slot ([`Found`]);
//! - [`entry`]: a rec group's entry and its registration count;
//! - [`register`]: registration, the insertion race, trampoline types;
//! - [`unregister`]: releasing registrations and dismantling dead groups;
//! - [`view`]: the view of a new group used to check it before it has
//!   indices;
//! - [`handle`]: [`TypeCollection`] and [`RegisteredType`];
//! - [`key`]: [`TypeKey`], checked keys, and lookups by key;
//! - [`type_data`]: the embedder's per-type data;
//! - [`supertypes`]: depth and supertypes by index, and the display's raw
//!   layout for compiled code ([`DisplayView`]);
//! - [`matching`]: structural matching of types in engine form;
//! - [`linking`]: import matching, and the engine form of a module's
//!   external types.
//!
//! # The protocol, in short
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

mod entry;
mod handle;
mod in_flight;
mod key;
mod linking;
mod lookup;
mod matching;
mod register;
mod supertypes;
mod type_data;
mod unregister;
mod view;

pub use handle::{RegisteredType, TypeCollection};
pub use key::TypeKey;
pub use lookup::Lookup;
pub use supertypes::DisplayView;
pub use type_data::{TypeDataContext, TypeDataReader};

use std::collections::HashMap;

use crate::canon::{self, GroupHasher};
use crate::error::RegistryError;
use crate::module::ModuleTypes;
use crate::raw::supertype_display::DisplayState;
use crate::raw::sync::{Arc, Loaded, OwnerCell, Reclaimer, Retired, ShardedSet};
use crate::raw::table::{SlotRef, SlotTable};
use crate::subtyping::TypeLookup;
use crate::trace::trace;
use crate::types::{EngineTypeIndex, ModuleTypeIndex, SubType, TypeKind, TypeRef};
use entry::{GroupKey, RecGroupEntry};

/// A registered type as a reader finds it in its slot: the entry of its rec
/// group, which holds everything a reader needs per type, and its position
/// there. Valid while the guard it was read under is pinned.
#[derive(Clone, Copy)]
pub(crate) struct Found<'a> {
    entry: Loaded<'a, RecGroupEntry>,
    /// Below the entry's length (checked when read).
    position: u32,
}

impl<'a> Found<'a> {
    /// The rec group that owns the index.
    pub(crate) fn entry(self) -> &'a RecGroupEntry {
        self.entry.get()
    }

    /// The type's position in its group.
    pub(crate) fn position(self) -> u32 {
        self.position
    }

    /// The type in runtime form (every reference an engine index).
    pub(crate) fn sub_type(self) -> &'a Arc<SubType> {
        self.entry().runtime_type(self.position as usize)
    }

    /// The type's trampoline type.
    pub(crate) fn trampoline(self) -> EngineTypeIndex {
        self.entry().trampoline(self.position as usize)
    }

    /// A new reference to the group's entry (not a registration).
    pub(crate) fn to_entry(self) -> Arc<RecGroupEntry> {
        self.entry.to_arc()
    }
}

/// The engine-wide type registry.
///
/// Cheap to clone; clones share one registry. All methods take `&self` and
/// may be called from any number of threads. Types stay registered while a
/// [`TypeCollection`] or
/// [`RegisteredType`] holds them.
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
/// assert_eq!(a.engine_type(derived), b.engine_type(derived));
///
/// let (base, derived) = (a.engine_type(base).unwrap(), a.engine_type(derived).unwrap());
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
    /// Distinct engine indices ever handed out: the size of the index table.
    /// Flat under churn, because freed indices are reused.
    pub slots_ever_used: usize,
    /// Indices on the free list, ready for reuse.
    pub free_slots: usize,
    /// Rec groups unregistered whose memory is not freed yet: each waits
    /// until no reader can hold it and a call frees it (see
    /// [`TypeRegistry::flush`]). Counted per unregistering thread, under
    /// that thread's own lock: `stats` takes each such thread's lock in
    /// turn, as that thread's writing calls do.
    pub pending_frees: usize,
    /// Heap bytes of the index table: [`slots_ever_used`](Self::slots_ever_used)
    /// rounded up to the table's segments (each twice the last), times the
    /// bytes of a slot and its supertype display. The table keeps what it
    /// once grew to until the registry is dropped, so this measures the
    /// registry's floor after a burst; the rec groups' own memory (types,
    /// chains, per-type data) is not in it (see
    /// [`rec_group_bytes`](Self::rec_group_bytes)).
    pub index_table_bytes: usize,
    /// Heap bytes of the rec groups in the hash-consing map (those of
    /// [`rec_groups`](Self::rec_groups)): each group's entry, its types in
    /// hash-consing and runtime form with their parameter, result and field
    /// slices, its indices, trampoline types and references, and the
    /// embedder's per-type data (see [`TypeRegistry::with_type_data`]) at
    /// `size_of::<D>()` a type. Requested bytes, not counting allocator
    /// overhead. Not counted: heap memory that a data value owns itself,
    /// the supertype chains of types deeper than the index table's display
    /// (the table holds them), and groups unregistered but not yet freed
    /// (see [`pending_frees`](Self::pending_frees)).
    pub rec_group_bytes: usize,
}

pub(crate) struct RegistryInner {
    /// This registry's identity among all registries of the process, which
    /// its [`TypeKey`]s carry.
    id: u64,
    /// Hashes this registry's rec groups, with seeds of its own.
    hasher: GroupHasher,
    groups: ShardedSet<GroupKey>,
    /// Each slot refers to the entry of its type's rec group.
    slots: SlotTable<OwnerCell<RecGroupEntry>>,
    /// The entries of unregistered groups wait here for the readers that
    /// may still hold them, and for a call that may pay for freeing them.
    reclaimer: Reclaimer<Retired<RecGroupEntry>>,
    /// The embedder's per-type data function, if any.
    type_data: Option<type_data::DataFunction>,
    /// With a data function: the new groups being prepared, so that racing
    /// registrations of one group run the function once.
    in_flight: Option<in_flight::InFlight>,
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
        Self::with_data_fn(None)
    }

    fn with_data_fn(type_data: Option<type_data::DataFunction>) -> Self {
        TypeRegistry {
            inner: Arc::new(RegistryInner {
                id: crate::identity::new_identity(),
                hasher: GroupHasher::new(),
                groups: ShardedSet::new(),
                slots: SlotTable::new(),
                reclaimer: Reclaimer::new(),
                in_flight: type_data.is_some().then(in_flight::InFlight::default),
                type_data,
            }),
        }
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
    pub fn is_subtype(&self, sub: EngineTypeIndex, sup: EngineTypeIndex) -> bool {
        sub == sup || self.inner.is_strict_subtype(sub, sup)
    }

    /// The trampoline type of a function type: `index` itself if the type is
    /// its own trampoline type (see the crate docs), otherwise the
    /// registered trampoline type that `index`'s group keeps alive. For
    /// non-function types and unregistered indices, `index` itself. Lock-free.
    pub fn trampoline_type(&self, index: EngineTypeIndex) -> EngineTypeIndex {
        self.inner.read_registered(index, |found| found.trampoline()).unwrap_or(index)
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

    /// Frees the memory of the rec groups unregistered before this call,
    /// by any thread, now, instead of in later calls of the threads that
    /// unregistered them.
    ///
    /// # Who frees an unregistered group, and where embedder code runs
    /// An unregistered group is not freed on the spot: a reader on another
    /// thread may be looking at it. Its entry (which holds its types and
    /// the embedder's data) is *retired* into a list of the unregistering
    /// thread's own in this registry, and freed once no reader can hold it
    /// any more (its batch's grace period, through epoch-based
    /// reclamation), by one of:
    /// - **the thread that unregistered it**, in a later call of its own
    ///   that unregisters something (a handle's last drop, a
    ///   [`TypeCollection`]'s drop) or registers a new group. A call that
    ///   unregisters frees, after it finishes, this thread's ready garbage
    ///   up to as many types as it unregistered itself (at least one
    ///   group): a thread frees in step with what it unregisters. A
    ///   registration of a new group frees, before it allocates, up to as
    ///   many types as it registers or 64, whichever is more (at least one
    ///   group), but only while this thread holds more than 256 retired
    ///   types: that drains what piled up (a module dropped at once, or
    ///   what readers held back), and keeps enough that the
    ///   unregistrations find a ready group to free at each step. Freeing
    ///   in step with allocating is what the allocator's per-thread caches
    ///   absorb; a call that freed a whole ready batch at once would
    ///   overflow them and make the allocations after it slower;
    /// - **`flush`** and [`reclaim`](Self::reclaim), on the thread that
    ///   calls them, for every thread's garbage;
    /// - **the registry's drop**.
    ///
    /// Nothing else frees a group: not `is_subtype`, `borrow`, `root`,
    /// `trampoline_type`, `type_data` or a registration that
    /// finds its group registered, and never another thread's ordinary
    /// call. The embedder's data is dropped (its `Drop` runs) in exactly
    /// those places, outside every lock and pin of the registry. A panic in
    /// such a `Drop` is contained: the other groups are still freed and the
    /// registry's counts stay exact, and the first panic resumes at the end
    /// of the call that freed it (logged and dropped instead, if that call
    /// is already unwinding).
    ///
    /// Garbage of a thread that unregisters and then only reads waits for
    /// its next writing call, `flush`, `reclaim` or the registry's drop; so
    /// does the garbage of a thread that has ended, and the up to 256 types
    /// (and whatever is not ready yet) that a thread keeps between its
    /// unregistrations.
    ///
    /// `flush` frees, in rounds, everything any thread retired whose
    /// readers are gone, until nothing is pending or eight rounds in a row
    /// free nothing (a reader that stays inside a call of any registry
    /// holds the rest back). [`RegistryStats::pending_frees`] counts what
    /// is waiting.
    ///
    /// # Examples
    /// ```
    /// use wasm_type_registry::*;
    ///
    /// let registry = TypeRegistry::new();
    /// let ty = registry.register_type(SubType::func([ValType::I32], []))?;
    /// std::thread::scope(|s| {
    ///     // Another thread unregisters a type and then only reads.
    ///     s.spawn(|| drop(registry.register_type(SubType::func([ValType::I64], []))));
    /// });
    /// drop(ty);
    /// registry.flush(); // this thread's garbage and the other thread's
    /// assert_eq!(registry.stats().pending_frees, 0);
    /// # Ok::<(), RegistryError>(())
    /// ```
    pub fn flush(&self) {
        self.inner.flush();
    }

    /// One round of [`flush`](Self::flush), for a thread the embedder
    /// dedicates to reclamation: frees at most `max_types` types' worth of
    /// groups that any thread unregistered and no reader holds (at least one
    /// group, if one is ready), and returns how many groups it freed. Runs
    /// the embedder's data `Drop`s of those groups on the calling thread.
    ///
    /// # Examples
    /// ```
    /// use wasm_type_registry::*;
    ///
    /// let registry = TypeRegistry::new();
    /// drop(registry.register_type(SubType::func([], []))?);
    /// let mut freed = 0;
    /// while registry.stats().pending_frees > 0 {
    ///     freed += registry.reclaim(1_000);
    /// }
    /// assert_eq!(freed, 1);
    /// # Ok::<(), RegistryError>(())
    /// ```
    pub fn reclaim(&self, max_types: usize) -> usize {
        self.inner.reclaimer.reclaim(max_types)
    }

    /// Memory counters (see [`RegistryStats`]).
    ///
    /// [`RegistryStats::rec_group_bytes`] walks every rec group in the
    /// hash-consing map, one shard at a time under its read lock: the call
    /// takes time in proportion to the registered types, and registrations
    /// of new groups and unregistrations wait for the shard they change
    /// while it is walked.
    pub fn stats(&self) -> RegistryStats {
        let data_size = self.inner.type_data.as_ref().map_or(0, type_data::DataFunction::data_size);
        let mut rec_group_bytes = 0;
        self.inner.groups.for_each(|group| rec_group_bytes += group.0.heap_bytes(data_size));
        RegistryStats {
            registered_types: self.len(),
            rec_groups: self.inner.groups.len(),
            slots_ever_used: self.inner.slots.capacity_used(),
            free_slots: self.inner.slots.free_len(),
            pending_frees: self.inner.reclaimer.pending(),
            index_table_bytes: self.inner.slots.heap_bytes(),
            rec_group_bytes,
        }
    }

    /// Registers every rec group of `module`, in order, reusing equal groups
    /// that are already registered.
    ///
    /// # Errors
    /// A type whose structure does not match its declared supertype
    /// ([`RegistryError::Type`]), a registry out of indices
    /// ([`RegistryError::IndexSpaceExhausted`]). On error nothing stays
    /// registered that was not before: the groups registered so far are
    /// released again.
    pub fn register_module(&self, module: &ModuleTypes) -> Result<TypeCollection, RegistryError> {
        let mut collection = TypeCollection {
            registry: self.clone(),
            rec_groups: Vec::with_capacity(module.rec_group_count()),
            group_starts: Vec::with_capacity(module.rec_group_count()),
            types: Vec::with_capacity(module.len()),
            trampolines: HashMap::default(),
            module: module.id(),
        };
        for (start, group) in module.rec_groups() {
            if group.is_empty() {
                continue;
            }
            // On error `collection` is dropped, releasing what it holds.
            let key = canon::module_group_key(group, start, &collection.types, &self.inner.hasher)?;
            let entry = self.register_group(key, start.as_u32())?;
            collection.group_starts.push(collection.types.len() as u32);
            collection.types.extend_from_slice(entry.indices());
            collection.rec_groups.push(entry);
        }
        for (module_index, &shared) in collection.types.iter().enumerate() {
            if module.types()[module_index].as_func().is_some() {
                let trampoline = self.trampoline_type(shared);
                let module_index = ModuleTypeIndex::from_u32(module_index as u32);
                collection.trampolines.entry(trampoline).or_insert(module_index);
            }
        }
        trace!("registered a module of {} types in {} rec groups", collection.types.len(), collection.rec_groups.len());
        Ok(collection)
    }

    /// Whether two handles point at the same registry.
    pub(crate) fn same_as(&self, other: &TypeRegistry) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }
}

/// The registry answers for engine indices; it knows nothing of other
/// index spaces.
impl TypeLookup for RegistryInner {
    fn kind(&self, ty: TypeRef) -> Option<TypeKind> {
        self.read_registered(ty.as_engine()?, |found| found.sub_type().kind())
    }

    fn is_subtype(&self, sub: TypeRef, sup: TypeRef) -> bool {
        match (sub, sup) {
            _ if sub == sup => true,
            (TypeRef::Engine(sub), TypeRef::Engine(sup)) => self.is_strict_subtype(sub, sup),
            _ => false,
        }
    }
}

impl RegistryInner {
    /// `f` of what `index`'s slot holds if its group is registered, as one
    /// read: the slot is visible before and unchanged after the entry and
    /// position are read (see
    /// [`DisplayRef::unchanged_since`](crate::raw::supertype_display::DisplayRef::unchanged_since)), so a group that is
    /// prepared, lost the insertion race, or is being unregistered reads as
    /// "not registered", and an entry or a position of a later occupant is
    /// never passed off as this one's.
    #[inline]
    fn read_registered<R>(&self, index: EngineTypeIndex, f: impl FnOnce(Found<'_>) -> R) -> Option<R> {
        self.read_registered_if(index, |_| true, f)
    }

    /// [`read_registered`](Self::read_registered) of an occupant whose
    /// visible state passes `which` (a [`TypeKey`]'s generation).
    #[inline]
    fn read_registered_if<R>(
        &self,
        index: EngineTypeIndex,
        which: impl FnOnce(DisplayState) -> bool,
        f: impl FnOnce(Found<'_>) -> R,
    ) -> Option<R> {
        let slot = self.slots.get(index)?;
        let state = slot.display().visible_state().filter(|&state| which(state))?;
        let guard = self.reclaimer.pin();
        let (entry, position) = slot.value().load(&guard)?;
        // A position out of the entry's range pairs this occupant's entry
        // with a later occupant's position: the re-check below would fail.
        if position as usize >= entry.get().len() {
            return None;
        }
        let result = f(Found { entry, position });
        slot.display().unchanged_since(state).then_some(result)
    }

    /// `sub <: sup` with `sub != sup`: `sub`'s supertype at `sup`'s depth is
    /// `sup`.
    #[inline]
    fn is_strict_subtype(&self, sub: EngineTypeIndex, sup: EngineTypeIndex) -> bool {
        let (Some(sub_slot), Some(sup_slot)) = (self.slots.get(sub), self.slots.get(sup)) else {
            return false;
        };
        // Plain loads from type-stable slots (see the display's
        // Synchronization section); a slot that is not visible answers
        // `false`.
        let Some(depth) = sup_slot.display().visible_depth() else {
            return false;
        };
        sub_slot.display().has_ancestor_at(depth, sup)
    }

    /// The slots of a group's types, in group order (every reserved index
    /// has one).
    fn slots_of<'a>(
        &'a self,
        entry: &'a RecGroupEntry,
    ) -> impl Iterator<Item = SlotRef<'a, OwnerCell<RecGroupEntry>>> + 'a {
        entry.indices().iter().filter_map(|&index| self.slots.get(index))
    }

    /// The registered type at `index` ([`TypeRegistry::borrow`]).
    fn registered_type(&self, index: EngineTypeIndex) -> Option<Arc<SubType>> {
        self.read_registered(index, |found| found.sub_type().clone())
    }

    /// The entry owning a registered index, without a new registration.
    fn entry_of(&self, index: EngineTypeIndex) -> Option<Arc<RecGroupEntry>> {
        self.read_registered(index, |found| found.to_entry())
    }

    /// A new registration on the group that owns `index`, and the type's
    /// position in it.
    pub(crate) fn root(&self, index: EngineTypeIndex) -> Option<(Arc<RecGroupEntry>, u32)> {
        let (entry, position) = self.read_registered(index, |found| (found.to_entry(), found.position()))?;
        // Our reference keeps the entry allocated even if the group dies
        // right now; `incref_if_live` then fails, because a dead count stays
        // dead, and we report the index as unregistered.
        let live = entry.incref_if_live();
        trace!("{entry:?}: root({index:?}) {}", if live { "incref" } else { "refused: not live" });
        live.then_some((entry, position))
    }
}

#[cfg(loom)]
impl TypeRegistry {
    /// Runs `f` with the calling thread pinned in this registry, so that
    /// the registry's own pins inside `f` are nested (they take no fence of
    /// their own): for the loom models only.
    #[doc(hidden)]
    pub fn while_pinned_for_models<R>(&self, f: impl FnOnce() -> R) -> R {
        let _outer = self.inner.reclaimer.pin();
        f()
    }
}
