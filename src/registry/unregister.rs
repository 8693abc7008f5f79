//! Unregistering: dropping registrations, and dismantling the groups whose
//! count reached zero (and, through a worklist, the groups only they kept
//! registered).
//!
//! # Synchronization
//! Exactly one thread dismantles an entry: the one whose `decref` saw 1 → 0
//! (a dead count is never revived), or, for an entry that lost the
//! insertion race, the thread that prepared it. It hides the group's slots,
//! removes the entry from the map by identity, empties the slots' references
//! to the entry (one deferred drop through the epoch collector), and only
//! then frees the indices, so the next owner publishes into an empty slot.
//! Last, it takes the entry's registry reference out, so that the retired
//! entry does not keep its registry alive.

use super::entry::RecGroupEntry;
use super::{RegistryInner, TypeRegistry};
use crate::raw::sync::{Arc, OwnerCell};
use crate::trace::trace;

/// Collection steps in a row that may free nothing before
/// [`RegistryInner::collect_all`] gives up: what was just retired needs two
/// epoch advances (one per step) before a step can free it.
const STALLED_STEPS: usize = 3;

/// A call that dismantles at least this many types hands its garbage to
/// the registry's shared queue when it ends; smaller ones leave it in the
/// thread's bag, which crossbeam-epoch hands over when it is full (64
/// groups). A group this big is *heavy*: its memory is not freed by the
/// collection that finds it due (which may run inside a reader's call) but
/// set aside, and freed by a later call that unregisters something or
/// registers a new group, one heavy group per call, or by `flush`.
const HAND_OVER_TYPES: usize = 64;

impl RegistryInner {
    /// Drops one registration of `entry`, unregistering it (and what only it
    /// kept alive) if that was the last. Allocates nothing unless it
    /// unregisters: this is every `RegisteredType` drop.
    ///
    /// Returns the registry reference the entry gave up if it was
    /// unregistered. The caller drops it after this call returns: `self`
    /// may be borrowed from that very reference.
    #[must_use = "the given-up registry must be dropped after the call, not inside it"]
    pub(crate) fn release(&self, entry: &Arc<RecGroupEntry>, why: &str) -> Option<TypeRegistry> {
        if !entry.decref(why) {
            return None;
        }
        let mut worklist = Vec::new();
        let mut types = entry.len();
        let registry = self.unregister(entry, &mut worklist);
        types += self.drain(worklist, why);
        self.hand_over(types);
        registry
    }

    /// At the end of a call that dismantled `types` types, with no guard
    /// held: a call that dismantled many hands this thread's garbage to the
    /// registry's shared queue in one go, with one collection step (bounded
    /// work, and a copy of crossbeam's bag that is small next to the work of
    /// dismantling that many types), so that a big module's memory does not
    /// wait in this thread's bag. Smaller calls leave it there: each would
    /// otherwise pay that copy, and crossbeam-epoch hands a bag over when it
    /// is full anyway. [`TypeRegistry::flush`](crate::TypeRegistry::flush)
    /// hands over the calling thread's bag; a thread that ends hands over
    /// its own.
    ///
    /// Garbage holds no registry reference (dismantled entries give theirs
    /// up), so garbage left in a bag never keeps a dropped registry alive:
    /// crossbeam-epoch destroys a collector's remaining garbage when its
    /// last handle goes.
    ///
    /// Then it frees one heavy group that a collection set aside, if any:
    /// a call that unregisters pays for at most one big group's memory
    /// besides its own work, and readers never do.
    fn hand_over(&self, types: usize) {
        if types >= HAND_OVER_TYPES {
            self.reclaimer.pin().flush();
        }
        self.reclaimer.drop_set_aside(1);
    }

    /// Collection steps until nothing is pending, or until
    /// [`STALLED_STEPS`] steps in a row freed nothing (a thread pinned in
    /// this registry holds the epoch back, or another thread's bag holds
    /// the rest; its next hand-over, or a later `flush`, finishes the work).
    /// Each step that frees something frees at least one value, so the work
    /// is proportional to this registry's own garbage.
    pub(super) fn collect_all(&self) {
        let mut pending = self.reclaimer.pending();
        let mut stalls = 0;
        while pending > 0 && stalls < STALLED_STEPS {
            self.reclaimer.collect(1);
            let now = self.reclaimer.pending();
            stalls = if now < pending { 0 } else { stalls + 1 };
            pending = now;
        }
    }

    /// Drops one registration of each entry; unregisters those whose count
    /// reaches zero and, through an explicit worklist rather than recursion,
    /// the groups that only they kept alive. The caller holds a registry
    /// reference of its own, which outlives the call.
    pub(crate) fn release_all(&self, entries: impl IntoIterator<Item = Arc<RecGroupEntry>>, why: &str) {
        let types = self.drain(entries.into_iter().collect(), why);
        // Only a call that unregistered something does reclamation work: a
        // module's second instantiation drops hits, and must not pay for
        // another thread's big group.
        if types > 0 {
            self.hand_over(types);
        }
    }

    /// Releases a worklist of registrations; how many types it unregistered.
    /// The registry references that dismantled entries give up are dropped
    /// at once: the caller holds another one until the call returns.
    fn drain(&self, mut worklist: Vec<Arc<RecGroupEntry>>, why: &str) -> usize {
        let mut types = 0;
        while let Some(entry) = worklist.pop() {
            if entry.decref(why) {
                types += entry.len();
                drop(self.unregister(&entry, &mut worklist));
            }
        }
        types
    }

    /// Unregisters an entry whose count just reached zero; returns its
    /// given-up registry reference.
    fn unregister(&self, entry: &Arc<RecGroupEntry>, worklist: &mut Vec<Arc<RecGroupEntry>>) -> Option<TypeRegistry> {
        // First of all, readers stop seeing the group: from here on
        // `is_subtype`, `borrow`, `trampoline_type` and `root` answer "not
        // registered" (`root` already did: the count is zero).
        self.hide(entry);
        // Removal by identity: a registration racing with us may already
        // have replaced this dead entry with a fresh equal one, which must
        // stay (see "the resurrection race" above).
        let removed = self.groups.remove_if(entry.key(), |k| Arc::ptr_eq(&k.0, entry));
        trace!("{entry:?}: unregistering (removed from map: {})", removed.is_some());
        drop(removed);
        self.dismantle(entry, worklist)
    }

    /// Gives back an entry that lost the insertion race; it was never live.
    /// The registering thread holds the registry itself.
    pub(super) fn abandon(&self, entry: Arc<RecGroupEntry>) {
        self.hide(&entry);
        let mut references = Vec::new();
        let mut types = entry.len();
        drop(self.dismantle(&entry, &mut references));
        types += self.drain(references, "abandoned group's reference");
        self.hand_over(types);
    }

    /// Empties the display entry of each of a dead (or never inserted)
    /// group's types, which readers take as "not registered".
    fn hide(&self, entry: &RecGroupEntry) {
        self.slots_of(entry).for_each(|slot| slot.display().clear_supertypes());
    }

    /// Retires an entry's slots and frees its indices, queues the groups it
    /// holds registrations on for release, and takes out the entry's
    /// registry reference, which it returns.
    fn dismantle(&self, entry: &RecGroupEntry, worklist: &mut Vec<Arc<RecGroupEntry>>) -> Option<TypeRegistry> {
        entry.debug_assert_first_dismantle();
        for &reference in entry.references() {
            // The entry holds a registration on it, so it is live.
            match self.entry_of(reference) {
                Some(referenced) => worklist.push(referenced),
                None => debug_assert!(false, "{entry:?} references unregistered {reference:?}"),
            }
        }
        // Every slot's reference to the entry, given up as one deferred drop.
        let heavy = entry.len() >= HAND_OVER_TYPES;
        let emptied =
            OwnerCell::retire_all(self.slots_of(entry).map(|slot| slot.value()), &self.reclaimer.pin(), heavy);
        debug_assert_eq!(emptied, entry.len(), "{entry:?} had slots emptied already");
        // Only once every slot is empty: the next owner of an index
        // publishes into an empty slot.
        for &index in entry.indices() {
            self.slots.free(index);
        }
        // The retired entry waits in this thread's bag (see `hand_over`).
        trace!("{entry:?}: dismantled");
        let registry = entry.give_up_registry();
        debug_assert!(registry.is_some(), "{entry:?} gave its registry up twice");
        registry
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use crate::{RegisteredType, SubType, TypeRegistry, ValType};

    /// The reclamation work of a drop is bounded, however much is pending,
    /// and that holds for the drop that empties the registry too: retired
    /// entries hold no registry, so nothing needs to be collected for the
    /// registry's sake. A pin held while thousands of groups are
    /// unregistered keeps all of them pending; the later drops (one of
    /// which empties the registry) free at most a bounded part of them (a
    /// collection until nothing is pending would free all); `flush` frees
    /// everything.
    #[test]
    fn a_drop_does_bounded_reclamation_even_when_it_empties_the_registry() {
        const TYPES: usize = 5_000;
        let registry = TypeRegistry::new();
        let kept = RegisteredType::new(&registry, SubType::func([ValType::I32], [])).unwrap();
        let other = RegisteredType::new(&registry, SubType::func([ValType::F64], [])).unwrap();
        let types: Vec<RegisteredType> = (0..TYPES)
            .map(|i| {
                RegisteredType::new(&registry, SubType::func(vec![ValType::I64; i % 50], vec![ValType::F32; i / 50]))
            })
            .collect::<Result<_, _>>()
            .unwrap();
        let reader = registry.inner.reclaimer.pin();
        drop(types);
        drop(reader);
        assert_eq!(registry.stats().pending_frees, TYPES, "the pin did not hold the garbage back");

        drop(other);
        drop(kept);
        assert_eq!(registry.len(), 0);
        let pending = registry.stats().pending_frees;
        assert!(pending > TYPES / 2, "two drops freed {} of {} pending groups", TYPES + 2 - pending, TYPES + 2);

        registry.flush();
        assert_eq!(registry.stats().pending_frees, 0, "flush left garbage: {:?}", registry.stats());
    }
}
