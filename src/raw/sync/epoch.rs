//! The real epoch-based reclamation (`--cfg loom` swaps in
//! [`model`](super)'s stand-ins): a [`Reclaimer`] per registry over its own
//! `crossbeam_epoch::Collector`, the [`Guard`] a pin gives, the
//! [`OwnerCell`]s that hold each slot's reference to its group's entry, and
//! the set-aside stack for heavy groups.

use std::cell::RefCell;
use std::rc::Rc;

use crossbeam_epoch as epoch;

use super::{Arc, AtomicPtr, AtomicU32, AtomicUsize, Ordering};

/// Proof that the current thread is pinned in one registry's collector:
/// payloads loaded under it stay allocated until it is dropped.
pub(crate) struct Guard<'r> {
    inner: epoch::Guard,
    /// What the registry's deferred drops share with it.
    shared: &'r std::sync::Arc<Shared>,
}

/// What a registry's deferred drops share with it: they may run on any
/// thread, after the registry's reclaimer is gone.
struct Shared {
    /// Values retired and not yet destroyed (set-aside ones included).
    pending: AtomicUsize,
    /// Heavy values whose drop came due in a collection: set aside
    /// there, for a call that unregisters to drop (see
    /// [`Reclaimer::drop_set_aside`]).
    set_aside: SetAside,
}

/// A heavy value set aside, and the next one.
struct SetAsideNode {
    #[expect(dead_code, reason = "held only to be dropped")]
    value: Box<dyn Send>,
    next: *mut SetAsideNode,
}

/// A lock-free stack of set-aside values: any thread pushes (a
/// collection, which may run inside a reader's call, so it must not
/// wait), and a taker takes the whole stack with one swap, so no pop
/// ever reads a node another thread may free (no ABA).
struct SetAside {
    head: AtomicPtr<SetAsideNode>,
}

impl SetAside {
    fn push(&self, value: Box<dyn Send>) {
        self.push_node(Box::into_raw(Box::new(SetAsideNode { value, next: std::ptr::null_mut() })));
    }

    /// Pushes a node from `Box::into_raw` that the caller owns.
    fn push_node(&self, node: *mut SetAsideNode) {
        // `Relaxed`: the compare-and-swap below decides.
        let mut head = self.head.load(Ordering::Relaxed);
        loop {
            // SAFETY: `node` is the caller's (from `Box::into_raw`) until
            // the compare-and-swap publishes it.
            unsafe { (*node).next = head };
            // `Release`: a taker that `Acquire`s the head sees the node's
            // contents.
            match self.head.compare_exchange_weak(head, node, Ordering::Release, Ordering::Relaxed) {
                Ok(_) => return,
                Err(actual) => head = actual,
            }
        }
    }

    /// Drops up to `max` values, puts the rest back; how many it dropped.
    fn drop_some(&self, max: usize) -> usize {
        // `Relaxed`: only a hint that spares callers the swap's write to a
        // shared cache line when nothing is set aside (nearly always).
        if max == 0 || self.head.load(Ordering::Relaxed).is_null() {
            return 0;
        }
        // `Acquire`: pairs with the pushes' `Release`.
        let mut node = self.head.swap(std::ptr::null_mut(), Ordering::Acquire);
        let mut dropped = 0;
        while !node.is_null() {
            // SAFETY: the swap gave us the whole list: every node came
            // from `Box::into_raw` in `push` and no other thread can
            // reach it any more.
            let taken = unsafe { Box::from_raw(node) };
            node = taken.next;
            if dropped < max {
                drop(taken);
                dropped += 1;
            } else {
                self.push_node(Box::into_raw(taken));
            }
        }
        dropped
    }
}

impl Drop for SetAside {
    fn drop(&mut self) {
        self.drop_some(usize::MAX);
    }
}

impl Guard<'_> {
    /// Moves what this thread retired into the collector's shared queue,
    /// where any thread's collection can reach it, and runs one bounded
    /// collection step (crossbeam-epoch's: at most a few bags of 64
    /// values).
    pub(crate) fn flush(&self) {
        self.inner.flush();
    }
}

/// How many handles on registries' collectors a thread keeps.
const CACHED_HANDLES: usize = 4;

std::thread_local! {
    /// This thread's handles on the collectors of the registries it used
    /// last, most recent first. `Rc` so that pinning happens outside the
    /// borrow: a pin may run deferred destructors, which may drop a
    /// registry and so pin again.
    static HANDLES: RefCell<Vec<Rc<epoch::LocalHandle>>> = const { RefCell::new(Vec::new()) };
}

/// A registry's own epoch-based reclamation: its garbage is collected
/// only by calls into it (and [`Reclaimer::collect`]), never by a call
/// into another registry, and a call into it never collects another
/// registry's garbage.
pub(crate) struct Reclaimer {
    collector: epoch::Collector,
    /// The count of what is pending, and what is set aside.
    shared: std::sync::Arc<Shared>,
}

impl Reclaimer {
    pub(crate) fn new() -> Self {
        let shared = Shared { pending: AtomicUsize::new(0), set_aside: SetAside { head: AtomicPtr::default() } };
        Reclaimer { collector: epoch::Collector::new(), shared: std::sync::Arc::new(shared) }
    }

    /// Pins the current thread in this collector (cheap when it is
    /// already pinned; one thread-local lookup otherwise). Every 128th
    /// pin of a thread also runs one bounded collection step, as
    /// crossbeam-epoch does.
    #[inline]
    pub(crate) fn pin(&self) -> Guard<'_> {
        let cached = HANDLES.try_with(|handles| {
            let mut handles = handles.borrow_mut();
            if let Some(handle) = handles.first().filter(|h| h.collector() == &self.collector) {
                return (handle.clone(), None);
            }
            let evicted = match handles.iter().position(|h| h.collector() == &self.collector) {
                Some(found) => {
                    let handle = handles.remove(found);
                    handles.insert(0, handle);
                    None
                }
                None => {
                    let evicted = (handles.len() >= CACHED_HANDLES).then(|| handles.pop()).flatten();
                    handles.insert(0, Rc::new(self.collector.register()));
                    evicted
                }
            };
            (handles[0].clone(), evicted)
        });
        // A handle dropped here, outside the borrow, may pin (see
        // `HANDLES`). While the thread's locals are being destroyed, a
        // handle of our own serves this one pin.
        let handle = match cached {
            Ok((handle, evicted)) => {
                drop(evicted);
                handle
            }
            Err(_) => Rc::new(self.collector.register()),
        };
        Guard { inner: handle.pin(), shared: &self.shared }
    }

    /// Values retired and not yet destroyed.
    pub(crate) fn pending(&self) -> usize {
        // `Relaxed`: a count; exact when nothing is being retired or
        // destroyed.
        self.shared.pending.load(Ordering::Relaxed)
    }

    /// Drops up to `max` heavy values that collections set aside (see
    /// [`OwnerCell::retire_all`]); how many it dropped. Lock-free.
    pub(crate) fn drop_set_aside(&self, max: usize) -> usize {
        let dropped = self.shared.set_aside.drop_some(max);
        // `Relaxed`: a count.
        self.shared.pending.fetch_sub(dropped, Ordering::Relaxed);
        dropped
    }

    /// Runs up to `rounds` collection steps, each from a fresh pin (an
    /// epoch can advance once per pin), stopping as soon as nothing is
    /// pending. Garbage retired two steps before the last is destroyed
    /// unless another thread is pinned in this collector meanwhile.
    pub(crate) fn collect(&self, rounds: usize) {
        for _ in 0..rounds {
            if self.pending() == 0 {
                return;
            }
            self.pin().flush();
            self.drop_set_aside(usize::MAX);
        }
    }
}

impl Drop for Reclaimer {
    /// Drops this thread's cached handle on the collector, which hands
    /// the thread's bag to the collector's queue; if no other thread
    /// holds a handle, the collector goes with this reclaimer and
    /// crossbeam-epoch destroys everything still pending. Handles other
    /// threads cached go when they are evicted or their thread ends.
    fn drop(&mut self) {
        let evicted = HANDLES.try_with(|handles| {
            let mut handles = handles.borrow_mut();
            let found = handles.iter().position(|h| h.collector() == &self.collector)?;
            Some(handles.remove(found))
        });
        // Outside the borrow: dropping the handle may run destructors
        // that use this thread's cache.
        drop(evicted);
    }
}

/// A cell holding a strong reference to the object that owns a slot
/// (a rec group's entry) and the slot's position in it, written once per
/// occupancy and read concurrently under a [`Guard`] without touching the
/// reference count.
///
/// The object stays allocated while any guard that could have loaded it
/// is pinned: emptying cells ([`OwnerCell::retire_all`]) gives their
/// references up through the collector, one deferred drop per object,
/// however many cells pointed at it.
pub(crate) struct OwnerCell<T> {
    /// Null, or a reference from `Arc::into_raw`, owned by the cell.
    ptr: AtomicPtr<T>,
    /// Meaningful only with the pointer it was published with: a reader
    /// that must not pair a pointer with another occupancy's position
    /// brackets the load with a sequence lock (see [`OwnerCell::load`]).
    position: AtomicU32,
}

impl<T> Default for OwnerCell<T> {
    fn default() -> Self {
        Self { ptr: AtomicPtr::new(std::ptr::null_mut()), position: AtomicU32::new(0) }
    }
}

/// An object loaded from an [`OwnerCell`], valid while the guard it was
/// loaded under is pinned.
pub(crate) struct Loaded<'a, T> {
    value: &'a T,
}

impl<T> Clone for Loaded<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Loaded<'_, T> {}

impl<'a, T> Loaded<'a, T> {
    /// The object.
    #[inline]
    pub(crate) fn get(self) -> &'a T {
        self.value
    }

    /// A new strong reference to the object.
    pub(crate) fn to_arc(self) -> Arc<T> {
        let ptr: *const T = self.value;
        // SAFETY: `ptr` came from `Arc::into_raw` in `OwnerCell::publish`
        // (a `Loaded` is made only from a cell's pointer), and a strong
        // reference to it is alive: the guard this was loaded under is
        // still pinned (`'a` borrows it), so either the cell still holds
        // its reference or `retire_all` deferred one past that guard.
        unsafe {
            Arc::increment_strong_count(ptr);
            Arc::from_raw(ptr)
        }
    }
}

impl<T: Send + Sync + 'static> OwnerCell<T> {
    /// The object and position the cell holds. `Acquire` on the pointer:
    /// synchronizes with the `Release` in [`publish`](Self::publish), so
    /// the object's initialization and the position stored before it are
    /// visible. The position may belong to a *later* occupancy than the
    /// pointer (it is read after it, `Relaxed`); a caller that needs the
    /// pair of one occupancy reads the cell inside a sequence lock whose
    /// writer fences (`Release`) before publishing, as the display's does
    /// (`DisplayRef::visible_state` / `DisplayRef::unchanged_since` in
    /// [`display`](crate::raw::display)).
    ///
    /// The reference borrows the guard and the cell: it cannot outlive
    /// the guard (a retired object is dropped once no guard that could
    /// have loaded it is pinned) nor the cell (whose `Drop` gives its
    /// reference up at once).
    #[inline]
    pub(crate) fn load<'a>(&'a self, _guard: &'a Guard) -> Option<(Loaded<'a, T>, u32)> {
        let ptr = self.ptr.load(Ordering::Acquire);
        // `Relaxed`: see above.
        let position = self.position.load(Ordering::Relaxed);
        // SAFETY: a non-null pointer came from `Arc::into_raw` in
        // `publish`, and its object is alive for `'a`: the cell's own
        // reference is given up only through `retire_all`, which defers
        // the last drop past every guard pinned before the cell was
        // emptied (ours is pinned for `'a`, and we loaded the pointer
        // under it), or by the cell's `Drop`, which needs `&mut self`.
        let value = unsafe { ptr.as_ref()? };
        Some((Loaded { value }, position))
    }

    /// Stores a new reference to `owner` and the slot's `position` in it
    /// into an empty cell. `Release`: pairs with the `Acquire` in
    /// [`load`](Self::load).
    pub(crate) fn publish(&self, owner: &Arc<T>, position: u32) {
        // `Relaxed`: ordered before the pointer's `Release` store.
        self.position.store(position, Ordering::Relaxed);
        let ptr = Arc::into_raw(owner.clone()).cast_mut();
        let previous = self.ptr.swap(ptr, Ordering::Release);
        debug_assert!(previous.is_null(), "published into an occupied slot");
    }

    /// Empties every cell of `cells` and gives their references up:
    /// readers pinned now keep what they loaded, readers that pin later
    /// find the cells empty. One deferred drop per distinct object (the
    /// cells of one rec group point at one entry: one deferral for the
    /// whole group); the other references to the same object are
    /// dropped at once, which never frees it, since the deferred one
    /// remains. Returns how many cells held a reference.
    ///
    /// A `heavy` object (a big rec group, whose drop frees thousands of
    /// types) is not dropped by the collection that finds it due, which
    /// may run inside any call of the registry, a reader's included: it
    /// is set aside for [`Reclaimer::drop_set_aside`].
    pub(crate) fn retire_all<'c>(cells: impl IntoIterator<Item = &'c Self>, guard: &Guard, heavy: bool) -> usize
    where
        T: 'c,
    {
        let mut deferred: *const T = std::ptr::null();
        let mut emptied = 0;
        for cell in cells {
            // `AcqRel`: `Acquire` so that the drop happens after the
            // publication; `Release` as the natural pairing with readers.
            let old = cell.ptr.swap(std::ptr::null_mut(), Ordering::AcqRel).cast_const();
            if old.is_null() {
                continue;
            }
            emptied += 1;
            if deferred.is_null() {
                deferred = old;
            } else if old == deferred {
                // SAFETY: `old` is a reference this cell owned (from
                // `Arc::into_raw` in `publish`), now ours by the swap;
                // the object stays alive through the reference in
                // `deferred`, which we also own and drop only through
                // the collector below.
                unsafe { Arc::decrement_strong_count(old) };
            } else {
                guard.defer_drop(old, heavy);
            }
        }
        if !deferred.is_null() {
            guard.defer_drop(deferred, heavy);
        }
        emptied
    }
}

impl Guard<'_> {
    /// Drops the reference `ptr` once every guard pinned now has been
    /// dropped. `ptr` must be a reference from `Arc::into_raw` that the
    /// caller owns and that no cell holds any longer.
    fn defer_drop<T: Send + Sync + 'static>(&self, ptr: *const T, heavy: bool) {
        /// The pointer, moved into the deferred closure.
        struct Owned<T>(*const T);
        // SAFETY: an owned strong reference to a `T: Send + Sync` may
        // be dropped on any thread.
        unsafe impl<T: Send + Sync> Send for Owned<T> {}
        let owned = Owned(ptr);
        let shared = self.shared.clone();
        // `Relaxed`: a count (see `Reclaimer::pending`).
        shared.pending.fetch_add(1, Ordering::Relaxed);
        // SAFETY: the reference was unlinked from its cell before this
        // call, so no reader that pins from now on can load it; readers
        // that loaded it earlier are pinned in this collector (cells are
        // only read under their registry's guards), and the closure runs
        // only after they unpin. The caller owns the reference, so the
        // closure is its only owner.
        unsafe {
            self.inner.defer_unchecked(move || {
                let owned = owned;
                let value = Arc::from_raw(owned.0);
                if heavy {
                    shared.set_aside.push(Box::new(value));
                } else {
                    drop(value);
                    shared.pending.fetch_sub(1, Ordering::Relaxed);
                }
            })
        };
    }
}

impl<T> Drop for OwnerCell<T> {
    fn drop(&mut self) {
        // `Relaxed`: `&mut self` excludes every reader (each `Loaded`
        // borrows the cell). Not `get_mut`, which loom's atomics lack.
        let ptr = self.ptr.load(Ordering::Relaxed);
        if !ptr.is_null() {
            // SAFETY: the cell owns this reference (from `Arc::into_raw`
            // in `publish`); a reference emptied earlier is no longer
            // in the cell and belongs to the collector.
            drop(unsafe { Arc::from_raw(ptr.cast_const()) });
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    use super::{OwnerCell, Reclaimer};

    /// Counts its drops.
    struct Counted(Arc<AtomicUsize>);

    impl Drop for Counted {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Garbage retired in one registry's collector is never destroyed by
    /// pins and collections in another's (with one process-wide collector,
    /// B's collections would free A's value), and its own collection frees
    /// it.
    #[test]
    fn garbage_of_one_reclaimer_is_never_collected_by_another() {
        let drops = Arc::new(AtomicUsize::new(0));
        let (a, b) = (Reclaimer::new(), Reclaimer::new());
        let cell = OwnerCell::default();
        cell.publish(&Arc::new(Counted(drops.clone())), 0);
        assert_eq!(OwnerCell::retire_all([&cell], &a.pin(), false), 1);
        a.pin().flush();
        assert_eq!(a.pending(), 1);
        for _ in 0..1_000 {
            b.pin().flush();
        }
        assert_eq!(drops.load(Ordering::Relaxed), 0, "a call into B collected A's garbage");
        assert_eq!(a.pending(), 1);
        a.collect(3);
        assert_eq!(drops.load(Ordering::Relaxed), 1, "A's own collection did not free its garbage");
        assert_eq!(a.pending(), 0);
    }

    /// The cells of one group are emptied as one deferred drop: the object
    /// outlives a guard that loaded it from any of the cells, although all
    /// but one of their references are dropped at once, and it is freed by
    /// a collection once that guard is gone.
    #[test]
    fn a_group_of_cells_is_retired_as_one_deferred_drop() {
        let drops = Arc::new(AtomicUsize::new(0));
        let reclaimer = Reclaimer::new();
        let cells: [OwnerCell<Counted>; 3] = Default::default();
        let owner = Arc::new(Counted(drops.clone()));
        for (position, cell) in cells.iter().enumerate() {
            cell.publish(&owner, position as u32);
        }
        drop(owner);
        let reader = reclaimer.pin();
        let (loaded, position) = cells[2].load(&reader).unwrap();
        assert_eq!(position, 2);
        assert_eq!(OwnerCell::retire_all(&cells, &reclaimer.pin(), false), 3);
        assert_eq!(reclaimer.pending(), 1, "one deferred drop for the whole group");
        reclaimer.collect(3);
        assert_eq!(drops.load(Ordering::Relaxed), 0, "freed under a pinned reader");
        assert!(Arc::ptr_eq(&loaded.to_arc().0, &drops), "the loaded object is intact");
        drop(reader);
        reclaimer.collect(3);
        assert_eq!(drops.load(Ordering::Relaxed), 1, "the group's object was not freed");
        assert_eq!(reclaimer.pending(), 0);
        assert!(cells.iter().all(|cell| cell.load(&reclaimer.pin()).is_none()));
    }
}
