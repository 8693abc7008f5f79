//! Unregistering: dropping registrations, and dismantling the groups whose
//! count reached zero (and, through a worklist, the groups only they kept
//! registered).
//!
//! # Synchronization
//! Exactly one thread dismantles an entry: the one whose `decref` saw 1 → 0
//! (a dead count is never revived), or, for an entry that lost the
//! insertion race, the thread that prepared it. It removes the entry from
//! the map by identity, retires each slot's payload through the epoch
//! collector, and only then frees the index, so the next owner publishes
//! into an empty slot.

use super::entry::RecGroupEntry;
use super::RegistryInner;
use crate::raw::sync::Arc;
use crate::trace::trace;

/// Collection steps in a row that may free nothing before
/// [`RegistryInner::collect_all`] gives up: what was just retired needs two
/// epoch advances (one per step) before a step can free it.
const STALLED_STEPS: usize = 3;

impl RegistryInner {
    /// Drops one registration of `entry`, unregistering it (and what only it
    /// kept alive) if that was the last. Allocates nothing unless it
    /// unregisters: this is every `RegisteredType` drop.
    pub(crate) fn release(&self, entry: &Arc<RecGroupEntry>, why: &str) {
        if entry.decref(why) {
            let mut worklist = Vec::new();
            self.unregister(entry, &mut worklist);
            self.drain(worklist, why);
            self.collect_if_empty();
        }
    }

    /// After an unregistration, with no guard held: if the registry has no
    /// registered type left, a few collection steps free what it retired,
    /// so that an emptied registry does not keep its garbage (and, through
    /// the entries in it, itself) until some later call.
    fn collect_if_empty(&self) {
        if self.slots.in_use() == 0 {
            self.collect_all();
        }
    }

    /// Collection steps until nothing is pending, or until
    /// [`STALLED_STEPS`] steps in a row freed nothing (a thread pinned in
    /// this registry holds the epoch back; its next call, or a later
    /// `flush`, finishes the work). Each step that frees something frees at
    /// least one value, so the work is proportional to this registry's own
    /// garbage.
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
    /// the groups that only they kept alive.
    pub(crate) fn release_all(&self, entries: impl IntoIterator<Item = Arc<RecGroupEntry>>, why: &str) {
        if self.drain(entries.into_iter().collect(), why) {
            self.collect_if_empty();
        }
    }

    /// Releases a worklist of registrations; whether it unregistered any.
    fn drain(&self, mut worklist: Vec<Arc<RecGroupEntry>>, why: &str) -> bool {
        let mut unregistered = false;
        while let Some(entry) = worklist.pop() {
            if entry.decref(why) {
                self.unregister(&entry, &mut worklist);
                unregistered = true;
            }
        }
        unregistered
    }

    /// Unregisters an entry whose count just reached zero.
    fn unregister(&self, entry: &Arc<RecGroupEntry>, worklist: &mut Vec<Arc<RecGroupEntry>>) {
        // First of all, readers stop seeing the group: from here on
        // `is_subtype`, `borrow` and `trampoline_type` answer "not
        // registered", as `root` already does from the count.
        self.hide(entry);
        // Removal by identity: a registration racing with us may already
        // have replaced this dead entry with a fresh equal one, which must
        // stay (see "the resurrection race" above).
        let removed = self.groups.remove_if(entry.key(), |k| Arc::ptr_eq(&k.0, entry));
        trace!("{entry:?}: unregistering (removed from map: {})", removed.is_some());
        drop(removed);
        self.dismantle(entry, worklist);
    }

    /// Gives back an entry that lost the insertion race; it was never live.
    pub(super) fn abandon(&self, entry: Arc<RecGroupEntry>) {
        self.hide(&entry);
        let mut references = Vec::new();
        self.dismantle(&entry, &mut references);
        self.release_all(references, "abandoned group's reference");
    }

    /// Empties the display entry of each of a dead (or never inserted)
    /// group's types, which readers take as "not registered".
    fn hide(&self, entry: &RecGroupEntry) {
        for &index in entry.indices() {
            if let Some(slot) = self.slots.get(index) {
                slot.display().clear_supertypes();
            }
        }
    }

    /// Retires an entry's slots and frees its indices, and queues the groups
    /// it holds registrations on for release.
    fn dismantle(&self, entry: &RecGroupEntry, worklist: &mut Vec<Arc<RecGroupEntry>>) {
        entry.debug_assert_first_dismantle();
        let guard = self.reclaimer.pin();
        for &reference in entry.references() {
            // The entry holds a registration on it, so it is live.
            match self.entry_of(reference, &guard) {
                Some(referenced) => worklist.push(referenced),
                None => debug_assert!(false, "{entry:?} references unregistered {reference:?}"),
            }
        }
        for &index in entry.indices() {
            if let Some(slot) = self.slots.get(index) {
                let had_payload = slot.value().retire(&guard);
                debug_assert!(had_payload, "{index:?} of {entry:?} was already retired");
                // Only after retiring: the next owner of `index` publishes
                // into an empty slot.
                self.slots.free(index);
            }
        }
        // Our retired payloads go to the collector's shared queue, where a
        // collection on any thread of this registry can free them.
        guard.flush();
        trace!("{entry:?}: dismantled");
    }
}
