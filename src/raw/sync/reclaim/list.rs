//! One thread's retired values in one [`Reclaimer`](super::Reclaimer):
//! its open batch, its sealed batches, what lingers, and its counts, behind
//! the list's own mutex; and the thread-local cache through which a thread
//! finds its lists without touching a reference count. The policy (who
//! frees what, when) is the reclaimer's; this module only keeps the lists.

use std::any::Any;
use std::collections::VecDeque;

use super::super::{AtomicBool, Mutex, MutexGuard, Ordering};
use super::{SEAL_COUNT, SEAL_WEIGHT};

/// A retired value and how many types it holds.
pub(super) struct Item<R> {
    pub(super) value: R,
    pub(super) weight: usize,
}

/// Values on their way into a list (retired by one call) or out of it
/// (taken to be freed). A writing call usually moves one, which then needs
/// no allocation.
pub(super) struct Items<R> {
    first: Option<Item<R>>,
    rest: Vec<Item<R>>,
}

impl<R> Items<R> {
    pub(super) fn none() -> Self {
        Items { first: None, rest: Vec::new() }
    }

    /// `lingering`, taken to be retried.
    pub(super) fn retrying(lingering: Vec<Item<R>>) -> Self {
        Items { first: None, rest: lingering }
    }

    pub(super) fn push(&mut self, item: Item<R>) {
        match self.first {
            None => self.first = Some(item),
            Some(_) => self.rest.push(item),
        }
    }

    pub(super) fn iter(&self) -> impl Iterator<Item = &Item<R>> {
        self.first.iter().chain(&self.rest)
    }

    pub(super) fn is_empty(&self) -> bool {
        self.first.is_none() && self.rest.is_empty()
    }
}

impl<R> IntoIterator for Items<R> {
    type Item = Item<R>;
    type IntoIter = std::iter::Chain<std::option::IntoIter<Item<R>>, std::vec::IntoIter<Item<R>>>;

    fn into_iter(self) -> Self::IntoIter {
        self.first.into_iter().chain(self.rest)
    }
}

/// The values one call retires, handed to
/// [`Reclaimer::retire`](super::Reclaimer::retire) together.
pub(crate) struct Retiring<R>(pub(super) Items<R>);

impl<R> Retiring<R> {
    pub(crate) fn new() -> Self {
        Retiring(Items::none())
    }

    /// Adds `value`, which the caller has unlinked (no reader that pins
    /// from now on can reach it) and which holds `weight` types.
    pub(crate) fn push(&mut self, value: R, weight: usize) {
        self.0.push(Item { value, weight });
    }
}

/// Values sealed together, freed once `ready` is set.
pub(super) struct Batch<R> {
    pub(super) items: Vec<Item<R>>,
    /// A std `Arc` around the (model's) flag: a deferred function that a
    /// collector never runs (crossbeam's, when a model ends) holds no
    /// reference loom would report as leaked.
    pub(super) ready: std::sync::Arc<AtomicBool>,
}

/// One thread's retired values in one reclaimer.
pub(super) struct ListState<R> {
    /// Retired, not yet handed to the collector.
    open: Vec<Item<R>>,
    open_weight: usize,
    /// Handed to the collector, oldest first.
    pub(super) sealed: VecDeque<Batch<R>>,
    /// Past their grace period, but still held by a reader.
    lingering: Vec<Item<R>>,
    /// Values retired into this list and neither freed nor taken out to
    /// be freed, and how many types they hold: counted up by `retire` and
    /// `linger`, down by `take_ready` and `take_all`.
    pending: usize,
    pending_weight: usize,
}

/// The list of one thread (or, once that thread has ended, of nobody).
pub(crate) struct ThreadList<R> {
    state: Mutex<ListState<R>>,
    /// Whether a live thread's cache holds the list. A std atomic even
    /// under loom: the flags change in thread-local destructors, which loom
    /// runs in no fixed order, and the list's contents are ordered by its
    /// mutex.
    pub(super) owned: std::sync::atomic::AtomicBool,
    /// Whether its reclaimer is gone: caches drop such lists.
    pub(super) dead: std::sync::atomic::AtomicBool,
    /// The state's `pending_weight` as of its last change: lets a
    /// registration that has nothing to free skip the lock. A hint, not
    /// synchronization (a stale value only delays or brings forward one
    /// call's freeing), so a plain std atomic that loom need not model.
    pending_weight_hint: std::sync::atomic::AtomicUsize,
}

impl<R> ThreadList<R> {
    pub(super) fn new() -> Self {
        let state = ListState {
            open: Vec::new(),
            open_weight: 0,
            sealed: VecDeque::new(),
            lingering: Vec::new(),
            pending: 0,
            pending_weight: 0,
        };
        let flag = std::sync::atomic::AtomicBool::new;
        ThreadList {
            state: Mutex::new(state),
            owned: flag(true),
            dead: flag(false),
            pending_weight_hint: std::sync::atomic::AtomicUsize::new(0),
        }
    }

    pub(super) fn lock(&self) -> ListGuard<'_, R> {
        // A panic never unwinds while the lock is held (no embedder code
        // runs under it), but a poisoned lock must not wedge the registry.
        ListGuard { state: self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner), list: self }
    }

    /// Whether the list may hold more than `keep` types: `false` is exact
    /// as of the list's last change.
    pub(super) fn may_hold_more_than(&self, keep: usize) -> bool {
        // `Relaxed`: a hint (see the field).
        self.pending_weight_hint.load(std::sync::atomic::Ordering::Relaxed) > keep
    }
}

/// A list's locked state; refreshes the list's hint when unlocked.
pub(super) struct ListGuard<'l, R> {
    state: MutexGuard<'l, ListState<R>>,
    list: &'l ThreadList<R>,
}

impl<R> std::ops::Deref for ListGuard<'_, R> {
    type Target = ListState<R>;

    fn deref(&self) -> &ListState<R> {
        &self.state
    }
}

impl<R> std::ops::DerefMut for ListGuard<'_, R> {
    fn deref_mut(&mut self) -> &mut ListState<R> {
        &mut self.state
    }
}

impl<R> Drop for ListGuard<'_, R> {
    fn drop(&mut self) {
        // `Relaxed`: a hint (see the field); a plain store, not a
        // read-modify-write.
        self.list.pending_weight_hint.store(self.state.pending_weight, std::sync::atomic::Ordering::Relaxed);
    }
}

impl<R> ListState<R> {
    /// Values retired into this list and not yet freed.
    pub(super) fn pending(&self) -> usize {
        self.pending
    }

    /// Takes `items`, just retired, into the open batch.
    pub(super) fn retire(&mut self, items: Items<R>) {
        for item in items {
            self.count_in(&item);
            self.open_weight += item.weight;
            self.open.push(item);
        }
    }

    /// Takes back values that were taken out to be freed but are still
    /// held by a reader.
    pub(super) fn linger(&mut self, values: Vec<Item<R>>) {
        for item in &values {
            self.count_in(item);
        }
        self.lingering.extend(values);
    }

    /// Counts `item` as pending in this list.
    fn count_in(&mut self, item: &Item<R>) {
        self.pending += 1;
        self.pending_weight += item.weight;
    }

    pub(super) fn is_empty(&self) -> bool {
        self.open.is_empty() && self.sealed.is_empty() && self.lingering.is_empty()
    }

    /// The open batch, if it is due for sealing (or `always`).
    pub(super) fn take_open(&mut self, always: bool) -> Option<Vec<Item<R>>> {
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

    /// Takes out the lingering values and ready values from the front, up
    /// to `budget` types (at least one value when any is ready) and while
    /// the list holds more than `keep` types; and how many types it took
    /// besides the lingering ones.
    pub(super) fn take_ready(&mut self, budget: usize, keep: usize) -> (Items<R>, usize) {
        let mut out = Items::retrying(std::mem::take(&mut self.lingering));
        let mut taken = 0;
        while taken < budget && self.pending_weight - taken > keep {
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
        for item in out.iter() {
            self.pending -= 1;
            self.pending_weight -= item.weight;
        }
        (out, taken)
    }

    /// Everything, ready or not (the reclaimer is being dropped).
    pub(super) fn take_all(&mut self, out: &mut Vec<Item<R>>) {
        self.pending = 0;
        self.pending_weight = 0;
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
pub(super) trait CachedList: Send + Sync {
    fn is_dead(&self) -> bool;
    /// The thread that held it ended.
    fn release(&self);
    fn as_any(&self) -> &dyn Any;
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

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// A thread's lists, by reclaimer identity; dropped with the thread, which
/// leaves its lists to be adopted once empty.
#[derive(Default)]
pub(super) struct Cache(Vec<(u64, std::sync::Arc<dyn CachedList>)>);

impl Cache {
    /// The list of reclaimer `id`, moved to the front (a thread that uses
    /// one registry finds it first); `create`d and put in front if the
    /// thread has none yet, dropping the lists of reclaimers that are gone.
    pub(super) fn front(
        &mut self,
        id: u64,
        create: impl FnOnce() -> std::sync::Arc<dyn CachedList>,
    ) -> &dyn CachedList {
        match self.0.iter().position(|(cached, _)| *cached == id) {
            Some(0) => {}
            Some(at) => {
                let entry = self.0.remove(at);
                self.0.insert(0, entry);
            }
            None => {
                let list = create();
                self.0.retain(|(_, list)| !list.is_dead());
                self.0.insert(0, (id, list));
            }
        }
        &*self.0[0].1
    }
}

impl Drop for Cache {
    fn drop(&mut self) {
        for (_, list) in self.0.drain(..) {
            list.release();
        }
    }
}
