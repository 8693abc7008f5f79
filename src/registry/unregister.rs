//! Unregistering: dropping registrations, and dismantling the groups whose
//! count reached zero (and, through a worklist, the groups only they kept
//! registered).
//!
//! # Synchronization
//! Exactly one thread dismantles an entry: the one whose `decref` saw 1 → 0
//! (a dead count is never revived), or, for an entry that lost the
//! insertion race, the thread that prepared it. It hides the group's slots,
//! removes the entry from the map by identity, empties the slots'
//! references to the entry (keeping one, which it retires into the
//! registry's [`Reclaimer`](crate::raw::sync::Reclaimer)), and only then
//! frees the indices, so the next owner publishes into an empty slot.
//! Last, it takes the entry's registry reference out and drops it, so
//! that the retired entry does not keep its registry alive: every caller
//! holds a registry reference of its own for the whole call.

use super::entry::RecGroupEntry;
use super::RegistryInner;
use crate::raw::sync::{Arc, OwnerCell, Retired, Retiring};
use crate::trace::trace;

impl RegistryInner {
    /// Unregisters `entry`, whose last registration the caller has just
    /// dropped (its `decref` returned `true`), and what only it kept
    /// registered; then retires them, which frees some of this thread's
    /// garbage. The caller holds a registry reference of its own until the
    /// call returns.
    pub(crate) fn unregister_released(&self, entry: &Arc<RecGroupEntry>) {
        let mut worklist = Vec::new();
        let mut retiring = Retiring::new();
        self.unregister(entry, &mut worklist, &mut retiring);
        self.drain(worklist, "referenced by an unregistered group", &mut retiring);
        self.reclaimer.retire(retiring);
    }

    /// Drops one registration of each entry; unregisters those whose count
    /// reaches zero and, through an explicit worklist rather than recursion,
    /// the groups that only they kept alive. The caller holds a registry
    /// reference of its own, which outlives the call.
    pub(crate) fn release_all(&self, entries: impl IntoIterator<Item = Arc<RecGroupEntry>>, why: &str) {
        let mut retiring = Retiring::new();
        self.drain(entries.into_iter().collect(), why, &mut retiring);
        // Only a call that unregistered something frees: a module's second
        // instantiation drops hits, and pays for no garbage.
        self.reclaimer.retire(retiring);
    }

    /// Frees what every thread retired, as far as readers allow (see
    /// [`TypeRegistry::flush`](crate::TypeRegistry::flush)).
    pub(super) fn flush(&self) {
        self.reclaimer.flush();
    }

    /// Releases a worklist of registrations, adding the groups it
    /// unregisters to `retiring`.
    fn drain(&self, mut worklist: Vec<Arc<RecGroupEntry>>, why: &str, retiring: &mut Retiring<Retired<RecGroupEntry>>) {
        while let Some(entry) = worklist.pop() {
            if entry.decref(why) {
                self.unregister(&entry, &mut worklist, retiring);
            }
        }
    }

    /// Unregisters an entry whose count just reached zero.
    fn unregister(
        &self,
        entry: &Arc<RecGroupEntry>,
        worklist: &mut Vec<Arc<RecGroupEntry>>,
        retiring: &mut Retiring<Retired<RecGroupEntry>>,
    ) {
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
        self.dismantle(entry, worklist, retiring);
    }

    /// Gives back an entry that lost the insertion race; it was never live.
    /// The registering thread holds the registry itself.
    pub(super) fn abandon(&self, entry: Arc<RecGroupEntry>) {
        self.hide(&entry);
        let mut references = Vec::new();
        let mut retiring = Retiring::new();
        self.dismantle(&entry, &mut references, &mut retiring);
        self.drain(references, "abandoned group's reference", &mut retiring);
        self.reclaimer.retire(retiring);
    }

    /// Empties the display entry of each of a dead (or never inserted)
    /// group's types, which readers take as "not registered".
    fn hide(&self, entry: &RecGroupEntry) {
        self.slots_of(entry).for_each(|slot| slot.display().clear_supertypes());
    }

    /// Empties an entry's slots (adding the reference it keeps to
    /// `retiring`) and frees its indices, queues the groups it holds
    /// registrations on for release, and drops the entry's registry
    /// reference (the caller holds another).
    fn dismantle(
        &self,
        entry: &Arc<RecGroupEntry>,
        worklist: &mut Vec<Arc<RecGroupEntry>>,
        retiring: &mut Retiring<Retired<RecGroupEntry>>,
    ) {
        entry.debug_assert_first_dismantle();
        for &reference in entry.references() {
            // The entry holds a registration on it, so it is live.
            match self.entry_of(reference) {
                Some(referenced) => worklist.push(referenced),
                None => debug_assert!(false, "{entry:?} references unregistered {reference:?}"),
            }
        }
        // Every slot's reference to the entry, but one, dropped at once;
        // that one is retired, and freed once no reader can hold it.
        let (retired, emptied) = OwnerCell::retire_all(self.slots_of(entry).map(|slot| slot.value()), entry);
        debug_assert_eq!(emptied, entry.len(), "{entry:?} had slots emptied already");
        if let Some(retired) = retired {
            retiring.push(retired, entry.len());
        }
        // Only once every slot is empty: the next owner of an index
        // publishes into an empty slot.
        for &index in entry.indices() {
            self.slots.free(index);
        }
        trace!("{entry:?}: dismantled");
        let registry = entry.give_up_registry();
        debug_assert!(
            registry.as_ref().is_some_and(|registry| Arc::strong_count(&registry.inner) > 1),
            "{entry:?} gave its registry up twice, or held the caller's last reference"
        );
        drop(registry);
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
        let kept = registry.register_type(SubType::func([ValType::I32], [])).unwrap();
        let other = registry.register_type(SubType::func([ValType::F64], [])).unwrap();
        let types: Vec<RegisteredType> = (0..TYPES)
            .map(|i| registry.register_type(SubType::func(vec![ValType::I64; i % 50], vec![ValType::F32; i / 50])))
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

        registry.inner.reclaimer.flush_until_empty();
        assert_eq!(registry.stats().pending_frees, 0, "flush left garbage: {:?}", registry.stats());
    }
}
