//! Rec group entries (the registry's record of one rec group and its
//! registration count) and the keys of the hash-consing map.
//!
//! A [`RecGroupEntry`] is one registered rec group: its hash-consing key, the
//! engine indices reserved for its types, the groups it holds registrations
//! on, and its *registration count*, the number of handles
//! ([`TypeCollection`](crate::TypeCollection), [`RegisteredType`](crate::RegisteredType))
//! and referencing groups that keep it registered.
//!
//! # The registration count's life
//! ```text
//!   prepared (0) --insert, under the shard's write lock--> live (1..)
//!   live (n) --incref_if_live / decref--> live (n±1)
//!   live (1) --decref--> dead (0): final, never revived
//!   prepared (0) --lost the insertion race--> abandoned (never was live)
//! ```
//! Zero means "not live" both before insertion and after death, and the only
//! 0 → 1 transition is [`RecGroupEntry::mark_inserted`], done once, by the
//! inserting thread, under the shard's write lock. Every other increment is
//! [`RecGroupEntry::incref_if_live`], which refuses zero. So a count that
//! reached zero after being live stays zero: a dying entry is never revived,
//! and exactly one thread (the one whose `decref` returned `true`) unregisters
//! it. A concurrent registration of an equal group creates a fresh entry
//! instead. This is what rules out the double unregistration of Wasmtime's
//! advisory GHSA-7qmx-3fpx-r45m.
//!
//! # Synchronization
//! - Increments need only atomicity: the caller already reached the entry
//!   through an `Acquire` (a slot load, a shard lock, or a handle it owns).
//!   The one exception is visibility: the 0 → 1 of
//!   [`RecGroupEntry::mark_inserted`] is `Release` and a successful
//!   [`RecGroupEntry::incref_if_live`] `Acquire`, so a `root` that takes a
//!   registration through a slot also sees the group's slots shown.
//! - Decrements are `Release`, and the one that reaches zero is followed by an
//!   `Acquire` fence, as in `Arc::drop`: every use of the group by any holder
//!   happens before its unregistration.

use std::borrow::Borrow;
use std::hash::{Hash, Hasher};

use crate::canon::{self, CanonGroup};
#[cfg(debug_assertions)]
use crate::raw::sync::AtomicBool;
use crate::raw::sync::{fence, Arc, AtomicUsize, GiveUpCell, Ordering, ARC_HEADER_BYTES};
use crate::registry::TypeRegistry;
use crate::trace::trace;
use crate::types::{EngineTypeIndex, SubType};

/// A group's embedder data, type-erased: a `Box<[D]>` by position.
pub(crate) type GroupData = Box<dyn std::any::Any + Send + Sync>;

/// One registered (or being registered) rec group.
pub(crate) struct RecGroupEntry {
    /// The registry the group belongs to, held until the group is
    /// dismantled. Handles reach it through their entry rather than each
    /// holding a clone: a clone per handle would make every handle creation
    /// and drop, on every thread, write the registry's one shared reference
    /// count. The dismantling thread gives it up
    /// ([`RecGroupEntry::give_up_registry`]): a retired entry waits in the
    /// registry's collector, and must not keep the registry (and so the
    /// collector and itself) alive.
    registry: GiveUpCell<TypeRegistry>,
    key: CanonGroup,
    /// Each type's runtime form, when any of them differs from its key form;
    /// `None` when every type is its own runtime form (then the key's `Arc`s
    /// are the registered types).
    runtime: Option<Box<[Arc<SubType>]>>,
    /// Three runs of engine indices in one allocation: each type's own
    /// index (`len` of them, in group order); then, when any function type
    /// of the group is not its own trampoline type, each type's trampoline
    /// type (`len` more); then one index per other group this one holds a
    /// registration on (the groups its types reference, and the groups of
    /// its trampoline types).
    engine_indices: Box<[EngineTypeIndex]>,
    /// How many types the group has.
    len: u32,
    /// Whether `engine_indices` has the run of trampoline types.
    has_trampolines: bool,
    registrations: AtomicUsize,
    /// The embedder's data of each type, by position (a type-erased
    /// `Box<[D]>`); `None` in a registry without a data function.
    data: Option<GroupData>,
    /// Set by the one thread that dismantles the entry; checks that nothing
    /// dismantles it twice.
    #[cfg(debug_assertions)]
    dismantled: AtomicBool,
}

impl RecGroupEntry {
    /// A prepared entry: registration count zero, not yet in the map.
    ///
    /// `engine_indices` holds the runs [`RecGroupEntry::engine_indices`]
    /// describes: the group's indices, its trampoline types if
    /// `has_trampolines`, then its references.
    pub(crate) fn new(
        registry: TypeRegistry,
        key: CanonGroup,
        runtime: Option<Box<[Arc<SubType>]>>,
        engine_indices: Box<[EngineTypeIndex]>,
        has_trampolines: bool,
        data: Option<GroupData>,
    ) -> Self {
        let len = key.types().len();
        debug_assert!(engine_indices.len() >= len * (1 + usize::from(has_trampolines)));
        debug_assert!(runtime.as_ref().is_none_or(|r| r.len() == len));
        RecGroupEntry {
            registry: GiveUpCell::new(registry),
            key,
            runtime,
            engine_indices,
            // A group has at most `MAX_TYPES` types, which fits.
            len: u32::try_from(len).unwrap_or(u32::MAX),
            has_trampolines,
            registrations: AtomicUsize::new(0),
            data,
            #[cfg(debug_assertions)]
            dismantled: AtomicBool::new(false),
        }
    }

    /// The embedder's data of the group's types, type-erased.
    pub(crate) fn data(&self) -> Option<&GroupData> {
        self.data.as_ref()
    }

    /// The data of the group's `position`-th type, if the group has data of
    /// type `D`.
    pub(crate) fn data_at<D: 'static>(&self, position: u32) -> Option<&D> {
        self.data()?.downcast_ref::<Box<[D]>>()?.get(position as usize)
    }

    pub(crate) fn key(&self) -> &CanonGroup {
        &self.key
    }

    /// The registry the group belongs to. Only for a holder of a
    /// registration on the group, or for the call whose `decref` just
    /// released the last one (which is about to dismantle the group).
    #[allow(unsafe_code)]
    pub(crate) fn registry(&self) -> &TypeRegistry {
        // SAFETY: the registry is given up only by `give_up_registry`,
        // which only the thread dismantling the group calls, after the
        // count reached zero for good (a dead count is never revived).
        // A caller holding a registration keeps the count above zero for
        // as long as it uses the reference. The one other caller is the
        // call whose `decref` released the last registration: it is the
        // dismantler itself, and it clones the registry (keeping it alive
        // on its own) before it dismantles the group.
        unsafe { self.registry.get() }
    }

    /// Takes the group's registry reference out; called once, by the
    /// thread dismantling the group (a second call returns `None`), which
    /// holds a registry reference of its own: dropping this one never frees
    /// the registry.
    pub(crate) fn give_up_registry(&self) -> Option<TypeRegistry> {
        self.registry.give_up()
    }

    /// The runtime form of the group's `position`-th type (`position` comes
    /// from the registry, never from the embedder).
    pub(crate) fn runtime_type(&self, position: usize) -> &Arc<SubType> {
        &self.runtime.as_deref().unwrap_or(self.key.types())[position]
    }

    /// The trampoline type of the group's `position`-th type: itself, or a
    /// registered trampoline type the entry holds a registration on.
    pub(crate) fn trampoline(&self, position: usize) -> EngineTypeIndex {
        let offset = if self.has_trampolines { self.len() } else { 0 };
        self.engine_indices[offset + position]
    }

    /// How many types the group has.
    pub(crate) fn len(&self) -> usize {
        self.len as usize
    }

    /// The engine index of each type, in group order. Not necessarily
    /// contiguous (indices are reused; see Wasmtime PR #10435).
    pub(crate) fn indices(&self) -> &[EngineTypeIndex] {
        &self.engine_indices[..self.len()]
    }

    /// The other groups this one holds a registration on, one index of
    /// each.
    pub(crate) fn references(&self) -> &[EngineTypeIndex] {
        let runs = 1 + usize::from(self.has_trampolines);
        &self.engine_indices[runs * self.len()..]
    }

    /// The heap bytes the entry asks the allocator for (requested bytes,
    /// not counting allocator overhead): its [`Arc`] allocation, its key's
    /// types ([`CanonGroup::heap_bytes`]), the runtime forms it does not
    /// share with the key, its engine indices, and its data at `data_size`
    /// bytes a type (`size_of::<D>()`) behind the erased box. Heap memory
    /// the data values own is not counted: the data is type-erased.
    pub(crate) fn heap_bytes(&self, data_size: usize) -> usize {
        let runtime = self.runtime.as_deref().map_or(0, |runtime| {
            // `canon::for_runtime` shares the key's `Arc` for a type
            // without references into the group: counted with the key.
            let own = runtime.iter().zip(self.key.types()).filter(|(ty, key)| !Arc::ptr_eq(ty, key));
            size_of_val(runtime) + own.map(|(ty, _)| canon::shared_type_bytes(ty)).sum::<usize>()
        });
        // The erased box holds a `Box<[D]>`: a pointer and a length.
        let data = self.data.as_ref().map_or(0, |_| size_of::<Box<[u8]>>() + data_size * self.len());
        ARC_HEADER_BYTES
            + size_of::<Self>()
            + self.key.heap_bytes()
            + runtime
            + size_of_val(&*self.engine_indices)
            + data
    }

    /// 0 → 1, by the inserting thread under the shard's write lock. Does
    /// not log: it runs under the lock (see [`trace`](crate::trace)).
    pub(crate) fn mark_inserted(&self) {
        // `Release`: the shard lock publishes this with the entry to readers
        // of the map; a `root` that finds the entry through a slot instead
        // `Acquire`s the count, and must then see the group's slots shown
        // (done just before, under the same lock). A store, not a swap: a
        // prepared count has no other writer (`incref_if_live` refuses
        // zero, and no one holds a registration to drop).
        debug_assert_eq!(self.registrations.load(Ordering::Relaxed), 0, "inserted an entry that was already live");
        self.registrations.store(1, Ordering::Release);
    }

    /// Adds a registration if the entry is live; `false` if it is prepared
    /// or dead, which makes the caller treat the group as not registered.
    /// Does not log, because lookups call it under a shard lock (see
    /// [`trace`](crate::trace)); callers log the outcome.
    #[must_use = "a `true` result is a registration that must be released"]
    pub(crate) fn incref_if_live(&self) -> bool {
        // `Relaxed` load and failure: see the module's Synchronization
        // section. `Acquire` on success: pairs with `mark_inserted`, so a
        // registration taken through a slot (`root`) sees the group's slots
        // visible (free on x86, where every CAS is a full barrier).
        let mut count = self.registrations.load(Ordering::Relaxed);
        loop {
            if count == 0 {
                return false;
            }
            match self.registrations.compare_exchange_weak(count, count + 1, Ordering::Acquire, Ordering::Relaxed) {
                Ok(_) => return true,
                Err(actual) => count = actual,
            }
        }
    }

    /// Adds a registration on behalf of a holder that already has one.
    pub(crate) fn incref(&self, why: &str) {
        // `Relaxed`: the caller's own registration keeps the count above 0.
        let previous = self.registrations.fetch_add(1, Ordering::Relaxed);
        debug_assert!(previous > 0, "incref of a non-live entry ({why})");
        trace!("{self:?}: incref ({why}) -> {}", previous + 1);
    }

    /// Drops a registration. `true` means it was the last one: the caller now
    /// owns the unregistration and must carry it out.
    #[must_use = "a `true` result obliges the caller to unregister the group"]
    pub(crate) fn decref(&self, why: &str) -> bool {
        // `Release`: our uses of the group happen before the decrement...
        let previous = self.registrations.fetch_sub(1, Ordering::Release);
        debug_assert!(previous > 0, "decref of a non-live entry ({why})");
        trace!("{self:?}: decref ({why}) -> {}", previous - 1);
        if previous != 1 {
            return false;
        }
        // ...and this `Acquire` fence makes every holder's uses happen before
        // the unregistration that follows (the `Arc::drop` pattern).
        fence(Ordering::Acquire);
        true
    }

    /// The current registration count (for tests and debug assertions).
    pub(crate) fn registrations(&self) -> usize {
        // `Relaxed`: a snapshot for assertions.
        self.registrations.load(Ordering::Relaxed)
    }

    /// Records that the entry is being dismantled; panics (in debug builds)
    /// if it already was.
    #[track_caller]
    pub(crate) fn debug_assert_first_dismantle(&self) {
        #[cfg(debug_assertions)]
        {
            // `Relaxed`: a check, not a hand-off. The one thread that
            // dismantles follows the `Acquire` fence in `decref` (or owns a
            // never-inserted entry), so a second dismantler, if the protocol
            // let one through, would see `true` or race visibly under loom.
            let again = self.dismantled.swap(true, Ordering::Relaxed);
            assert!(!again, "{self:?} dismantled twice (GHSA-7qmx-3fpx-r45m)");
        }
    }
}

impl std::fmt::Debug for RecGroupEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RecGroupEntry({:p}, {:?})", self, self.indices().first())
    }
}

/// An element of the hash-consing map: the entry, compared and hashed by its
/// key.
#[derive(Clone)]
pub(crate) struct GroupKey(pub(crate) Arc<RecGroupEntry>);

impl PartialEq for GroupKey {
    fn eq(&self, other: &Self) -> bool {
        self.0.key == other.0.key
    }
}

impl Eq for GroupKey {}

impl Hash for GroupKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.key.hash(state)
    }
}

impl Borrow<CanonGroup> for GroupKey {
    fn borrow(&self) -> &CanonGroup {
        &self.0.key
    }
}
