//! The reclamation policy, in one place: which call frees a retired value
//! (a dismantled rec group), on which thread, and how much one call may
//! free. The same code runs in production and under loom; only the
//! collector under it is swapped.
//!
//! # The contract
//! A value retired into a [`Reclaimer`] is freed
//! - by the thread that retired it, in a later call of its own that
//!   [settles](Reclaimer::settle) (the registry settles in every call that
//!   unregisters something or registers a new group), and within that
//!   call's budget;
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
//! one value). A value that a reader still holds (a strong reference it
//! took while pinned, for a closure that may run long) *lingers* in the
//! list and is retried later: the reader's reference is never the last.
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
//! - `pending`: a count (`Relaxed`), exact when nothing is being retired
//!   or freed.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};

use super::{thread_local, AtomicBool, AtomicUsize, Collector, Guard, Mutex, Ordering};
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

/// A retired value and how many types it holds.
struct Item<R> {
    value: R,
    weight: usize,
}

/// Values sealed together, freed once `ready` is set.
struct Batch<R> {
    items: Vec<Item<R>>,
    /// A std `Arc` around the (model's) flag: a deferred function that a
    /// collector never runs (crossbeam's, when a model ends) holds no
    /// reference loom would report as leaked.
    ready: std::sync::Arc<AtomicBool>,
}

/// One thread's retired values in one reclaimer.
struct ListState<R> {
    /// Retired, not yet handed to the collector.
    open: Vec<Item<R>>,
    open_weight: usize,
    /// Handed to the collector, oldest first.
    sealed: VecDeque<Batch<R>>,
    /// Past their grace period, but still held by a reader.
    lingering: Vec<Item<R>>,
}

/// The list of one thread (or, once that thread has ended, of nobody).
pub(crate) struct ThreadList<R> {
    state: Mutex<ListState<R>>,
    /// Whether a live thread's cache holds the list. A std atomic even
    /// under loom: the flags change in thread-local destructors, which loom
    /// runs in no fixed order, and the list's contents are ordered by its
    /// mutex.
    owned: std::sync::atomic::AtomicBool,
    /// Whether its reclaimer is gone: caches drop such lists.
    dead: std::sync::atomic::AtomicBool,
}

impl<R> ThreadList<R> {
    fn new() -> Self {
        let state = ListState { open: Vec::new(), open_weight: 0, sealed: VecDeque::new(), lingering: Vec::new() };
        let flag = std::sync::atomic::AtomicBool::new;
        ThreadList { state: Mutex::new(state), owned: flag(true), dead: flag(false) }
    }

    fn lock(&self) -> impl std::ops::DerefMut<Target = ListState<R>> + '_ {
        // A panic never unwinds while the lock is held (no embedder code
        // runs under it), but a poisoned lock must not wedge the registry.
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl<R> ListState<R> {
    fn is_empty(&self) -> bool {
        self.open.is_empty() && self.sealed.is_empty() && self.lingering.is_empty()
    }

    /// The open batch, if it is due for sealing (or `always`).
    fn take_open(&mut self, always: bool) -> Option<Vec<Item<R>>> {
        let due = self.open_weight >= SEAL_WEIGHT || self.open.len() >= SEAL_COUNT;
        if self.open.is_empty() || !(due || always) {
            return None;
        }
        self.open_weight = 0;
        // The next batch starts with room for as many values as this one
        // held (at most a full batch): a thread that retires steadily then
        // never reallocates its open batch (growing it from empty cost
        // each retirement about 200 instructions, under callgrind).
        let capacity = self.open.len().min(SEAL_COUNT);
        Some(std::mem::replace(&mut self.open, Vec::with_capacity(capacity)))
    }

    /// Moves the lingering values and ready values from the front, up to
    /// `budget` types (at least one value when any is ready), to `out`;
    /// how many types it moved.
    fn take_ready(&mut self, budget: usize, out: &mut Vec<Item<R>>) -> usize {
        out.append(&mut self.lingering);
        let mut taken = 0;
        while taken < budget {
            let Some(front) = self.sealed.front_mut() else { break };
            // `Acquire`: pairs with the deferred function's `Release`; the
            // frees that follow happen after every reader's use.
            if !front.ready.load(Ordering::Acquire) {
                break;
            }
            match front.items.pop() {
                Some(item) => {
                    taken += item.weight;
                    out.push(item);
                }
                None => {
                    self.sealed.pop_front();
                }
            }
        }
        if self.sealed.front().is_some_and(|batch| batch.items.is_empty()) {
            self.sealed.pop_front();
        }
        taken
    }

    /// Everything, ready or not (the reclaimer is being dropped).
    fn take_all(&mut self, out: &mut Vec<Item<R>>) {
        out.append(&mut self.open);
        self.open_weight = 0;
        out.append(&mut self.lingering);
        for mut batch in self.sealed.drain(..) {
            out.append(&mut batch.items);
        }
    }
}

/// A cached list, type-erased: the thread-local cache holds the lists of
/// every reclaimer the thread retired into, whatever they hold.
trait CachedList: Send + Sync {
    fn is_dead(&self) -> bool;
    /// The thread that held it ended.
    fn release(&self);
    fn into_any(self: std::sync::Arc<Self>) -> std::sync::Arc<dyn Any + Send + Sync>;
}

impl<R: Send + 'static> CachedList for ThreadList<R> {
    fn is_dead(&self) -> bool {
        // `Relaxed`: a hint for dropping the cache entry; the list itself
        // is kept alive by the entry until then.
        self.dead.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn release(&self) {
        // `Release`: a thread that adopts the list (`Acquire`) sees it
        // after this thread's last use.
        self.owned.store(false, std::sync::atomic::Ordering::Release);
    }

    fn into_any(self: std::sync::Arc<Self>) -> std::sync::Arc<dyn Any + Send + Sync> {
        self
    }
}

/// A thread's lists, by reclaimer identity; dropped with the thread, which
/// leaves its lists to be adopted once empty.
#[derive(Default)]
struct Cache(Vec<(u64, std::sync::Arc<dyn CachedList>)>);

impl Drop for Cache {
    fn drop(&mut self) {
        for (_, list) in self.0.drain(..) {
            list.release();
        }
    }
}

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
    /// Values retired and not yet freed.
    pending: AtomicUsize,
}

impl<R: Reclaimable> Reclaimer<R> {
    pub(crate) fn new() -> Self {
        Reclaimer {
            collector: Collector::new(),
            id: crate::identity::new_identity(),
            lists: Mutex::new(Vec::new()),
            pending: AtomicUsize::new(0),
        }
    }

    /// Pins the current thread: values unlinked from now on stay allocated
    /// until the guard is dropped.
    #[inline]
    pub(crate) fn pin(&self) -> Guard<'_> {
        Guard::new(self.collector.pin())
    }

    /// Values retired and not yet freed.
    pub(crate) fn pending(&self) -> usize {
        // `Relaxed`: a count (see the module's Synchronization section).
        self.pending.load(Ordering::Relaxed)
    }

    /// Takes in `value`, holding `weight` types, which the caller has
    /// unlinked (no reader that pins from now on can reach it), into this
    /// thread's list. Frees nothing.
    pub(crate) fn retire(&self, value: R, weight: usize) {
        // `Relaxed`: a count.
        self.pending.fetch_add(1, Ordering::Relaxed);
        let list = self.own_list();
        let mut state = list.lock();
        state.open.push(Item { value, weight });
        state.open_weight += weight;
    }

    /// The end (or, for a registration, the start) of a writing call:
    /// seals this thread's open batch if it is due, and frees this thread's
    /// values whose grace period is over, up to `budget` types and at least
    /// one value. Nothing when called from inside a value's destructor.
    pub(crate) fn settle(&self, budget: usize) {
        let list = self.own_list();
        let freeing = FREEING.try_with(Cell::get).unwrap_or(true);
        let mut taken = Vec::new();
        let to_seal = {
            let mut state = list.lock();
            if !freeing {
                state.take_ready(budget, &mut taken);
            }
            state.take_open(false)
        };
        if let Some(items) = to_seal {
            self.seal(&self.collector.pin(), &list, items);
        }
        self.free(&list, taken);
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
            let mut taken = Vec::new();
            left = left.saturating_sub(list.lock().take_ready(left.max(1), &mut taken));
            self.free(list, taken);
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

    /// Frees `items`, outside every lock and pin, each on its own: a value
    /// still held lingers in `list`, a panicking destructor is contained,
    /// and the first panic resumes once every value has been dealt with.
    fn free(&self, list: &ThreadList<R>, items: Vec<Item<R>>) {
        if items.is_empty() {
            return;
        }
        let _freeing = FreeingScope::enter();
        let mut lingering = Vec::new();
        let mut panic = None;
        for Item { value, weight } in items {
            match catch_unwind(AssertUnwindSafe(|| value.try_free())) {
                Ok(Ok(())) => {
                    // `Relaxed`: a count.
                    self.pending.fetch_sub(1, Ordering::Relaxed);
                }
                Ok(Err(value)) => lingering.push(Item { value, weight }),
                Err(payload) => {
                    self.pending.fetch_sub(1, Ordering::Relaxed);
                    panic.get_or_insert(payload);
                }
            }
        }
        if !lingering.is_empty() {
            list.lock().lingering.append(&mut lingering);
        }
        if let Some(payload) = panic {
            resume_unless_unwinding(payload);
        }
    }

    /// This thread's list, from its cache; on a first retirement, an
    /// ended thread's empty list adopted, or a new one.
    fn own_list(&self) -> std::sync::Arc<ThreadList<R>> {
        let cached = LISTS.try_with(|cache| {
            let mut cache = cache.borrow_mut();
            let at = cache.0.iter().position(|(id, _)| *id == self.id)?;
            if at != 0 {
                let entry = cache.0.remove(at);
                cache.0.insert(0, entry);
            }
            Some(cache.0[0].1.clone())
        });
        match cached {
            Ok(Some(list)) => {
                list.into_any().downcast().unwrap_or_else(|_| unreachable!("a cached list of another type"))
            }
            Ok(None) => {
                let list = self.adopt_or_create();
                let erased: std::sync::Arc<dyn CachedList> = list.clone();
                let _ = LISTS.try_with(|cache| {
                    let mut cache = cache.borrow_mut();
                    cache.0.retain(|(_, list)| !list.is_dead());
                    cache.0.insert(0, (self.id, erased));
                });
                list
            }
            // The thread's locals are being destroyed: a list of nobody's,
            // left to `flush`, `reclaim` or the reclaimer's drop.
            Err(_) => {
                let list = self.adopt_or_create();
                list.release();
                list
            }
        }
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
