//! The reclamation policy, in one place: which call frees a retired value
//! (a dismantled rec group), on which thread, and how much one call may
//! free. The same code runs in production and under loom; only the
//! collector under it is swapped.
//!
//! # The contract
//! A value retired into a [`Reclaimer`] is freed
//! - by the thread that retired it, in a later call of its own that
//!   [retires](Reclaimer::retire) values (every call of the registry that
//!   unregisters something, with a budget of the types it unregistered)
//!   or [settles the surplus](Reclaimer::settle_surplus) (every
//!   registration of a new group, with a budget of the types it registers
//!   or [`SEAL_WEIGHT`], from what the thread holds beyond
//!   [`KEPT_WEIGHT`] types),
//!   and within that call's budget;
//! - by [`Reclaimer::flush`] and [`Reclaimer::reclaim`], on whatever thread
//!   the embedder calls them;
//! - by the reclaimer's drop.
//!
//! Never by a thread that only reads, and never by another thread's
//! ordinary call. A value's destructor (which runs the embedder's `Drop`s
//! of its data) runs in exactly those places, outside every pin and every
//! lock of this module, and a panic in it is contained: the rest is still
//! freed and the count stays exact, and the first panic resumes at the end
//! of the call that freed it (unless that call is already unwinding).
//!
//! # How
//! Each thread that retires into a reclaimer gets a [`ThreadList`] of its
//! own (found through a thread-local cache, so a thread's calls never
//! touch another thread's list). Retired values go into the list's *open*
//! batch. A batch is *sealed* when it holds [`SEAL_WEIGHT`] types or
//! [`SEAL_COUNT`] values (a big group seals at once), and by
//! `flush`/`reclaim`: sealing defers, through the collector, a function
//! that sets the batch's `ready` flag, and hands it to the collector's
//! shared queue. A set flag means the batch's grace period is over: no
//! reader can hold its values any more. Settling frees ready values from
//! the front of the thread's own list, up to the call's budget (at least
//! one value). Budgets follow what the calls allocate and retire, so a
//! thread frees in step with its allocations, which the allocator's
//! per-thread caches absorb. A value that a reader still holds (a strong
//! reference it took while pinned, for a closure that may run long)
//! *lingers* in the list and is retried later: the reader's reference is
//! never the last. The lists themselves are in [`list`].
//!
//! # Synchronization
//! - A list's state is behind its own mutex: its thread takes it in its
//!   writing calls (uncontended), `flush`/`reclaim` take every list's in
//!   turn. No embedder code runs while it is held.
//! - The reclaimer's list of lists is behind a mutex taken when a thread
//!   first retires into the reclaimer and by `flush`/`reclaim`/drop.
//! - `ready`: set with `Release` by the deferred function, loaded with
//!   `Acquire` before a value of the batch is freed. The collector runs the
//!   function only after every thread pinned when it was deferred has
//!   unpinned (crossbeam-epoch's promise for `Guard::defer`), and every
//!   value of the batch was unlinked before the deferral; so every reader's
//!   use of a value happens before its free.
//! - Each list counts the values retired into it and not yet freed,
//!   under its mutex: a retirement or a free writes no line that another
//!   thread's calls write. [`Reclaimer::pending`] sums the lists' counts,
//!   exact when nothing is being retired or freed.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};

mod list;

pub(crate) use list::Retiring;
use list::{Batch, Cache, CachedList, Item, Items, ThreadList};

use super::{thread_local, AtomicBool, Collector, Guard, Mutex, Ordering};
use crate::trace::trace;

/// What a [`Reclaimer`] frees: a value whose last reference it may hold.
pub(crate) trait Reclaimable: Send + Sized + 'static {
    /// Frees the value, or hands it back if someone else still holds it.
    fn try_free(self) -> Result<(), Self>;
}

/// An open batch is sealed once its values weigh this much (a value's
/// weight is how many types it holds): a big group is sealed, and so
/// handed to the collector, in the call that retired it.
pub(crate) const SEAL_WEIGHT: usize = 64;

/// An open batch is sealed once it holds this many values.
pub(crate) const SEAL_COUNT: usize = 64;

/// Retired types a thread's list keeps before a registration frees any
/// (see [`Reclaimer::settle_surplus`]): enough that a thread's ready values
/// rarely run out between the moments its batches become ready (each
/// needs two epoch advances), so that its unregistrations free at the pace
/// they retire.
pub(crate) const KEPT_WEIGHT: usize = 4 * SEAL_WEIGHT;

/// Rounds in a row that may free nothing before [`Reclaimer::flush`] gives
/// up (yielding between them, so that threads pinned meanwhile can move
/// on): a batch sealed in one round needs two epoch advances before it is
/// ready, and the collector is shared with every other registry's calls.
const STALLED_ROUNDS: usize = 8;

/// Collection steps per round: each advances the epoch at most once and
/// runs a bounded number of deferred functions, from a queue that every
/// registry's batches share. One under loom, where each step multiplies
/// the interleavings to explore.
const COLLECTION_STEPS: usize = if cfg!(loom) { 1 } else { 4 };

thread_local! {
    /// This thread's lists.
    static LISTS: RefCell<Cache> = RefCell::new(Cache::default());
    /// Set while this thread frees values: the embedder's `Drop`s may call
    /// into a registry, and those calls must not free in turn.
    // Not `const { .. }`: loom's `thread_local!` does not take it.
    #[allow(clippy::missing_const_for_thread_local)]
    static FREEING: Cell<bool> = Cell::new(false);
}

/// One registry's reclamation: its threads' lists, over the collector.
pub(crate) struct Reclaimer<R> {
    collector: Collector,
    id: u64,
    lists: Mutex<Vec<std::sync::Arc<ThreadList<R>>>>,
}

impl<R: Reclaimable> Reclaimer<R> {
    pub(crate) fn new() -> Self {
        Reclaimer { collector: Collector::new(), id: crate::identity::new_identity(), lists: Mutex::new(Vec::new()) }
    }

    /// Pins the current thread: values unlinked from now on stay allocated
    /// until the guard is dropped.
    #[inline]
    pub(crate) fn pin(&self) -> Guard<'_> {
        Guard::new(self.collector.pin())
    }

    /// Values retired and not yet freed: the sum of every list's count,
    /// each read under its list's lock (so the call waits for, and holds
    /// up, each list's thread in turn).
    pub(crate) fn pending(&self) -> usize {
        let lists = self.lists.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        lists.iter().map(|list| list.lock().pending()).sum()
    }

    /// The end of a call that unlinked values: takes `retiring` into this
    /// thread's list, seals its open batch if it is due, and frees this
    /// thread's values whose grace period is over, up to as many types as
    /// `retiring` holds and at least one value (nothing when called from
    /// inside a value's destructor). Does nothing if `retiring` is empty: a
    /// call that unregistered nothing pays for no garbage.
    ///
    /// A thread whose calls free about what they retire frees in step with
    /// its allocations, which the allocator's per-thread caches absorb;
    /// freeing a whole ready batch at once overflows glibc's, and every
    /// allocation after it pays for that (about 500 instructions per
    /// registration and drop of a type, under callgrind).
    pub(crate) fn retire(&self, retiring: Retiring<R>) {
        if retiring.0.is_empty() {
            return;
        }
        let budget = retiring.0.iter().map(|item| item.weight).sum();
        self.settle_within(retiring.0, budget, 0);
    }

    /// The start of a call that allocates `types` types: like
    /// [`retire`](Self::retire) with nothing retired, but frees only from
    /// what this thread holds beyond [`KEPT_WEIGHT`] types, up to `types`
    /// or [`SEAL_WEIGHT`] types, whichever is more. The thread's
    /// unregistrations free its garbage in step; this drains what piled up
    /// beyond that (a module's worth of groups dropped at once, or what
    /// readers held back) in runs of a batch: freeing a run of groups
    /// retired one after the other streams through their memory, where
    /// one group between two registrations is a cache miss each time
    /// (`5_singletons_first` on one thread ran 12% slower so).
    pub(crate) fn settle_surplus(&self, types: usize) {
        self.settle_within(Items::none(), types.max(SEAL_WEIGHT), KEPT_WEIGHT);
    }

    /// Takes `retiring` in, seals the open batch if due, and frees ready
    /// values up to `budget` types while the list holds more than `keep`.
    fn settle_within(&self, retiring: Items<R>, budget: usize, keep: usize) {
        let freeing = FREEING.try_with(Cell::get).unwrap_or(true);
        let taken = self.with_own_list(|list| {
            // Nothing retired and nothing to free: the open batch is never
            // due here (every call that retires seals it when it is), so
            // the lock can be skipped.
            if retiring.is_empty() && !list.may_hold_more_than(keep) {
                return Items::none();
            }
            let (taken, to_seal) = {
                let mut state = list.lock();
                state.retire(retiring);
                let taken = if freeing { Items::none() } else { state.take_ready(budget, keep).0 };
                (taken, state.take_open(false))
            };
            if let Some(items) = to_seal {
                self.seal(&self.collector.pin(), list, items);
            }
            taken
        });
        self.free(taken, |lingering| self.with_own_list(|list| list.lock().linger(lingering)));
    }

    /// Frees every value retired into this reclaimer, by any thread, live
    /// or ended, whose grace period can end now: rounds of sealing every
    /// list, collecting and freeing, until nothing is pending or
    /// [`STALLED_ROUNDS`] rounds in a row free nothing (a thread pinned
    /// meanwhile holds the rest back).
    pub(crate) fn flush(&self) {
        let mut pending = self.pending();
        let mut stalls = 0;
        while pending > 0 && stalls < STALLED_ROUNDS {
            self.round(usize::MAX);
            let now = self.pending();
            stalls = if now < pending { 0 } else { stalls + 1 };
            pending = now;
            if stalls > 0 && !cfg!(loom) {
                std::thread::yield_now();
            }
        }
    }

    /// [`flush`](Self::flush) until nothing is pending, for at most 30 s
    /// (tests that expect everything freed). One flush may leave garbage:
    /// the collector is crate-wide, and the other tests of the binary run
    /// beside this one, some inside a pin for a while; those pins end.
    #[cfg(all(test, not(loom)))]
    pub(crate) fn flush_until_empty(&self) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        self.flush();
        while self.pending() > 0 && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(1));
            self.flush();
        }
    }

    /// One round of [`flush`](Self::flush), freeing at most `budget` types
    /// (at least one value when any is ready); how many values it freed.
    pub(crate) fn reclaim(&self, budget: usize) -> usize {
        let before = self.pending();
        self.round(budget);
        before.saturating_sub(self.pending())
    }

    /// Seals every list's open batch, runs [`COLLECTION_STEPS`] collection
    /// steps, and frees the ready values of every list within `budget`.
    fn round(&self, budget: usize) {
        let lists: Vec<_> = self.lists.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone();
        {
            let pin = self.collector.pin();
            for list in &lists {
                let open = list.lock().take_open(true);
                if let Some(items) = open {
                    self.seal(&pin, list, items);
                }
            }
        }
        // An epoch advances at most once per collection step, and a batch
        // is ready two advances after its sealing.
        for _ in 0..COLLECTION_STEPS {
            self.collector.pin().flush();
        }
        if FREEING.try_with(Cell::get).unwrap_or(true) {
            return;
        }
        let mut left = budget;
        for list in &lists {
            let (taken, weight) = list.lock().take_ready(left.max(1), 0);
            left = left.saturating_sub(weight);
            self.free(taken, |lingering| list.lock().linger(lingering));
        }
    }

    /// Hands `items` to the collector as one batch of `list`: once every
    /// thread pinned now has unpinned, the batch is ready.
    fn seal(&self, pin: &super::Pin, list: &ThreadList<R>, items: Vec<Item<R>>) {
        let ready = std::sync::Arc::new(AtomicBool::new(false));
        let flag = ready.clone();
        // `Release`: see the module's Synchronization section.
        pin.defer(move || flag.store(true, Ordering::Release));
        // Into the shared queue, where any thread's collection runs it.
        pin.flush();
        trace!("sealed a batch of {} retired groups", items.len());
        list.lock().sealed.push_back(Batch { items, ready });
    }

    /// Frees `items` (taken out of their list, and so no longer counted
    /// there), outside every lock and pin, each on its own: the values
    /// still held go back to their list through `linger`, a panicking
    /// destructor is contained, and the first panic resumes once every
    /// value has been dealt with.
    fn free(&self, items: Items<R>, linger: impl FnOnce(Vec<Item<R>>)) {
        if items.is_empty() {
            return;
        }
        let _freeing = FreeingScope::enter();
        let mut lingering = Vec::new();
        let mut panic = None;
        for Item { value, weight } in items {
            match catch_unwind(AssertUnwindSafe(|| value.try_free())) {
                Ok(Ok(())) => {}
                Ok(Err(value)) => lingering.push(Item { value, weight }),
                Err(payload) => {
                    panic.get_or_insert(payload);
                }
            }
        }
        if !lingering.is_empty() {
            linger(lingering);
        }
        if let Some(payload) = panic {
            resume_unless_unwinding(payload);
        }
    }

    /// Runs `f` on this thread's list, found in its cache without touching
    /// a reference count; on a first retirement, an ended thread's empty
    /// list adopted, or a new one. `f` runs while the cache is borrowed:
    /// it must not call into a reclaimer (it takes the list's lock and
    /// seals; no embedder code runs in it).
    fn with_own_list<T>(&self, f: impl FnOnce(&ThreadList<R>) -> T) -> T {
        let mut f = Some(f);
        let cached = LISTS.try_with(|cache| {
            let mut cache = cache.try_borrow_mut().ok()?;
            let list = cache.front(self.id, || {
                let list: std::sync::Arc<dyn CachedList> = self.adopt_or_create();
                list
            });
            let list = list
                .as_any()
                .downcast_ref::<ThreadList<R>>()
                .unwrap_or_else(|| unreachable!("a cached list of another type"));
            f.take().map(|f| f(list))
        });
        if let Ok(Some(result)) = cached {
            return result;
        }
        // The thread's locals are being destroyed (or, against this
        // function's contract, `f` called in again): a list of nobody's,
        // left to `flush`, `reclaim` or the reclaimer's drop.
        let list = self.adopt_or_create();
        list.release();
        f.take().map(|f| f(&list)).unwrap_or_else(|| unreachable!("`f` ran and returned"))
    }

    fn adopt_or_create(&self) -> std::sync::Arc<ThreadList<R>> {
        let mut lists = self.lists.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        for list in lists.iter() {
            // `Acquire`: pairs with `release`; the ended thread's uses
            // happen before ours.
            use std::sync::atomic::Ordering::{Acquire, Relaxed};
            if !list.owned.load(Acquire)
                && list.lock().is_empty()
                && list.owned.compare_exchange(false, true, Acquire, Relaxed).is_ok()
            {
                return list.clone();
            }
        }
        let list = std::sync::Arc::new(ThreadList::new());
        lists.push(list.clone());
        list
    }
}

impl<R> Drop for Reclaimer<R> {
    /// Frees everything still retired: no reader can be inside the registry
    /// (its last handle is gone), so no grace period is needed. Threads'
    /// caches drop the emptied lists when they next look.
    fn drop(&mut self) {
        let lists = std::mem::take(self.lists.get_mut().unwrap_or_else(std::sync::PoisonError::into_inner));
        let mut items = Vec::new();
        for list in &lists {
            // `Relaxed`: see `CachedList::is_dead`.
            list.dead.store(true, std::sync::atomic::Ordering::Relaxed);
            list.lock().take_all(&mut items);
        }
        let _freeing = FreeingScope::enter();
        let mut panic = None;
        for Item { value, .. } in items {
            // A value still held by someone (not the registry's own
            // readers, which are gone) is theirs to drop.
            if let Err(payload) = catch_unwind(AssertUnwindSafe(|| drop(value))) {
                panic.get_or_insert(payload);
            }
        }
        if let Some(payload) = panic {
            resume_unless_unwinding(payload);
        }
    }
}

/// Marks this thread as freeing until dropped (nested scopes keep it set).
struct FreeingScope {
    was: bool,
}

impl FreeingScope {
    fn enter() -> Self {
        FreeingScope { was: FREEING.try_with(|freeing| freeing.replace(true)).unwrap_or(true) }
    }
}

impl Drop for FreeingScope {
    fn drop(&mut self) {
        let _ = FREEING.try_with(|freeing| freeing.set(self.was));
    }
}

/// Resumes a destructor's panic in the call that freed the value, unless
/// that call is unwinding already (a second panic would abort): then the
/// panic is logged and dropped.
fn resume_unless_unwinding(payload: Box<dyn Any + Send>) {
    if std::thread::panicking() {
        crate::trace::contained(|| log::error!("a retired type's data panicked in its Drop while unwinding"));
        return;
    }
    resume_unwind(payload);
}

#[cfg(all(test, not(loom)))]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    use super::{Reclaimable, Reclaimer, Retiring, KEPT_WEIGHT, SEAL_WEIGHT};

    /// Counts its frees; never held by anyone else.
    struct Counted(Arc<AtomicUsize>);

    impl Reclaimable for Counted {
        fn try_free(self) -> Result<(), Self> {
            self.0.fetch_add(1, Ordering::Relaxed);
            Ok(())
        }
    }

    /// Waits (at most 30 s: other tests' pins hold epochs back) until this
    /// thread's oldest sealed batch is ready.
    fn wait_until_ready(reclaimer: &Reclaimer<Counted>) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        let ready = || {
            reclaimer.with_own_list(|list| {
                list.lock().sealed.front().is_some_and(|batch| batch.ready.load(super::Ordering::Acquire))
            })
        };
        while !ready() {
            assert!(std::time::Instant::now() < deadline, "the batch's grace period never ended");
            reclaimer.collector.pin().flush();
            std::thread::yield_now();
        }
    }

    /// A call that retires values frees ready ones up to the types it
    /// retired; a registration's call frees only what its thread holds
    /// beyond `KEPT_WEIGHT` types.
    #[test]
    fn settling_frees_within_the_budget_and_a_registration_only_the_surplus() {
        let freed = Arc::new(AtomicUsize::new(0));
        let reclaimer = Reclaimer::new();
        let retired = KEPT_WEIGHT + 100;
        let mut retiring = Retiring::new();
        for _ in 0..retired {
            retiring.push(Counted(freed.clone()), 1);
        }
        // One batch, sealed at once (far over its size); frees nothing:
        // nothing is ready yet.
        reclaimer.retire(retiring);
        wait_until_ready(&reclaimer);
        let freed_now = || freed.load(Ordering::Relaxed);
        reclaimer.settle_surplus(1);
        assert_eq!(freed_now(), SEAL_WEIGHT, "a registration of one type frees a run of a batch's weight");
        reclaimer.settle_surplus(1);
        assert_eq!(freed_now(), 100, "frees the surplus over the kept types, not the whole budget");
        reclaimer.settle_surplus(1);
        assert_eq!(freed_now(), 100, "freed from the kept types");
        let mut retiring = Retiring::new();
        retiring.push(Counted(freed.clone()), 3);
        reclaimer.retire(retiring);
        assert_eq!(freed_now(), 103, "an unregistration's budget (the types it retired) frees from the kept types too");
        assert_eq!(reclaimer.pending(), retired + 1 - 103);
        reclaimer.flush_until_empty();
        assert_eq!(freed_now(), retired + 1);
    }
}
