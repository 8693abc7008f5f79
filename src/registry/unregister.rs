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
use crate::raw::sync::{Arc, OwnerCell};
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
            self.hand_over();
        }
    }

    /// At the end of a call that unregistered something, with no guard
    /// held: hands everything this thread retired during the call to the
    /// registry's shared queue in one go (one bag, however many groups and
    /// types the call dismantled), with one collection step: bounded work.
    ///
    /// If the registry has no registered type left, it then collects until
    /// nothing is pending ([`RegistryInner::collect_all`]), work in
    /// proportion to this registry's own garbage. That is the one unbounded
    /// case, and it is there for memory, not speed: retired payloads hold
    /// their group entries and the entries their registry, so garbage left
    /// pending in an emptied registry would keep the registry alive, and
    /// with it every type it ever retired, once the embedder drops it
    /// (`tests/reclamation.rs` pins this with a 10,000-type group). Garbage
    /// that does not hold its registry would make this bounded too
    /// (docs/design.md, "What is next").
    ///
    /// The hand-over is what keeps a thread's garbage reachable by the
    /// registry's own collections from any thread (and by
    /// [`TypeRegistry::flush`](crate::TypeRegistry::flush)); leaving it in
    /// the thread's bag would keep the registry alive through it.
    fn hand_over(&self) {
        self.reclaimer.pin().flush();
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
            self.hand_over();
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
        self.drain(references, "abandoned group's reference");
        self.hand_over();
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
        for &reference in entry.references() {
            // The entry holds a registration on it, so it is live.
            match self.entry_of(reference) {
                Some(referenced) => worklist.push(referenced),
                None => debug_assert!(false, "{entry:?} references unregistered {reference:?}"),
            }
        }
        let slots = || entry.indices().iter().filter_map(|&index| self.slots.get(index));
        // Every slot's reference to the entry, given up as one deferred drop.
        let emptied = OwnerCell::retire_all(slots().map(|slot| slot.value()), &self.reclaimer.pin());
        debug_assert_eq!(emptied, entry.len(), "{entry:?} had slots emptied already");
        // Only once every slot is empty: the next owner of an index
        // publishes into an empty slot.
        for &index in entry.indices() {
            self.slots.free(index);
        }
        // The retired entry waits in this thread's bag until the calling
        // unregistration ends (`hand_over`), so that a call that dismantles
        // many groups hands them over once.
        trace!("{entry:?}: dismantled");
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use crate::{RegisteredType, SubType, TypeRegistry, ValType};

    /// The reclamation work of a drop is bounded, however much is pending,
    /// unless the drop empties the registry. A pin held while thousands of
    /// types are unregistered keeps all of them pending; a later drop that
    /// leaves another type registered runs one bounded collection step (a
    /// collection until nothing is pending would free all of them); the
    /// drop that empties the registry frees everything, so that nothing
    /// pending keeps the registry alive through its entries.
    #[test]
    fn a_drop_does_bounded_reclamation_unless_it_empties_the_registry() {
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
        assert_eq!(registry.len(), 1);
        let pending = registry.stats().pending_frees;
        assert!(pending > TYPES / 2, "one drop freed {} of {} pending types", TYPES + 1 - pending, TYPES + 1);

        drop(kept);
        assert_eq!(registry.len(), 0);
        assert_eq!(registry.stats().pending_frees, 0, "the emptying drop left garbage: {:?}", registry.stats());
    }
}
