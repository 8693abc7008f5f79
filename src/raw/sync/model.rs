//! Loom-aware stand-ins for the facade's three wrappers (`--cfg loom` only).
//!
//! Each has the real wrapper's API and gives the orderings the registry
//! relies on, built from loom primitives so that the model checker sees every
//! synchronizing step. `docs/correctness.md` argues, stand-in by stand-in,
//! why a bug the real primitive would let through is not hidden here.
//!
//! | facade type | real | stand-in |
//! |---|---|---|
//! | [`ShardedSet`] | `DashMap` (a `RwLock` per shard) | two loom `RwLock<HashMap>` shards |
//! | [`PublishedCell`] | `ArcSwapOption` | loom `RwLock<Option<Arc<T>>>`, cloned out, never read under the lock |
//! | [`OwnerCell`] | `AtomicPtr` from `Arc::into_raw` | loom `AtomicPtr` to a tracked husk per cell (holding the `Arc`); a group's husks retired as one [`Retired`] value |
//! | [`Collector`] | one `crossbeam_epoch::Collector` for the crate | an epoch-stamped collector per registry that runs deferred functions once every earlier pin is gone |
//!
//! The [`Reclaimer`](super::Reclaimer) (who frees what, when) is the
//! production code, over these stand-ins.
//!
//! # Making a use after free observable
//! A reference put in an [`OwnerCell`] lives in a *husk*: a loom `UnsafeCell`
//! holding the value and an `alive` flag. Loading it through a guard reads
//! the cell (a loom-tracked access) and asserts `alive`; so does dropping the
//! guard, for every value it loaded. Destroying the value is a write to the
//! cell that clears `alive`. The husk's memory itself is never freed (leaked
//! on purpose). So a value destroyed while a guard that loaded it is
//! still pinned is caught either way: loom reports a causality violation if
//! the destruction is not ordered with the reader's access, and the `alive`
//! assertion fires if it is ordered before it.
//!
//! With `--cfg crossbeam_loom` the collector is the real crossbeam-epoch
//! (built against loom); only the husk bookkeeping stays.

use std::borrow::Borrow;
use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher, Hash};
use std::mem::ManuallyDrop;

use loom::cell::UnsafeCell;
use loom::sync::RwLock;

use super::{Arc, AtomicPtr, AtomicU32, InsertOutcome, Ordering};

/// Proof that the current thread is pinned in one registry's collector:
/// values loaded under it stay alive until it is dropped (checked when it is
/// dropped).
pub(crate) struct Guard<'r> {
    /// Held, not read: the thread is pinned while it lives.
    _pin: collector::Pin<'r>,
    /// Every husk loaded under this guard, re-checked on drop.
    loaded: RefCell<Vec<LoadedHusk>>,
}

/// A husk loaded under a guard, type-erased.
struct LoadedHusk {
    husk: *const (),
    assert_alive: unsafe fn(*const ()),
}

impl<'r> Guard<'r> {
    pub(super) fn new(pin: collector::Pin<'r>) -> Self {
        Guard { _pin: pin, loaded: RefCell::new(Vec::new()) }
    }
}

impl Drop for Guard<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            // Already failing; a second panic would abort the test binary.
            return;
        }
        for loaded in self.loaded.get_mut().drain(..) {
            // SAFETY: `husk` was a `*const Husk<T>` and `assert_alive` is
            // `Husk::<T>::assert_alive_erased` for the same `T` (see
            // `OwnerCell::load`); husk memory outlives every guard: it is
            // freed at the end of the loom execution (or never, with the
            // real collector), or by the cell's drop, when no guard exists.
            unsafe { (loaded.assert_alive)(loaded.husk) };
        }
        // `self._pin` is dropped after this body: the thread unpins only
        // after the last check.
    }
}

/// A value and whether it is still alive, in loom-tracked memory.
struct Husk<T> {
    content: UnsafeCell<Content<T>>,
}

struct Content<T> {
    alive: bool,
    value: ManuallyDrop<T>,
}

impl<T> Husk<T> {
    fn new(value: T) -> Self {
        Husk { content: UnsafeCell::new(Content { alive: true, value: ManuallyDrop::new(value) }) }
    }

    /// A tracked read: loom checks that the value's creation happens before
    /// it and its destruction does not race it.
    #[track_caller]
    fn assert_alive(&self) {
        // SAFETY: reading `alive` inside `with`, which loom tracks as a read.
        let alive = self.content.with(|content| unsafe { (*content).alive });
        assert!(alive, "use after free: a retired value was destroyed while a guard that loaded it was pinned");
    }

    /// # Safety
    /// `husk` must point to a live-memory `Husk<T>`.
    unsafe fn assert_alive_erased(husk: *const ()) {
        // SAFETY: guaranteed by the caller.
        unsafe { &*husk.cast::<Husk<T>>() }.assert_alive();
    }

    /// The value. Only valid while it is alive; the caller re-checks that.
    fn value(&self) -> *const T {
        // SAFETY: taking the address inside `with`; no read of the value.
        self.content.with(|content| unsafe { &*(*content).value as *const T })
    }

    /// Runs the value's destructor: a tracked write, so loom checks that every
    /// earlier read (load or guard drop) happens before it.
    fn destroy(&self) {
        self.content.with_mut(|content| {
            // SAFETY: `with_mut` is exclusive access (loom checks it); the
            // value is dropped at most once, guarded by `alive`.
            unsafe {
                if !(*content).alive {
                    // Unwinding from an earlier failure may get here again;
                    // a second panic would abort the whole test binary.
                    assert!(std::thread::panicking(), "a retired value was destroyed twice");
                    return;
                }
                (*content).alive = false;
                ManuallyDrop::drop(&mut (*content).value);
            }
        });
    }
}

/// Owner of a husk that its cell gave up. Its memory is never freed, so
/// that a late access still finds the `alive` flag.
struct HuskBox<T>(*mut Husk<T>);

// SAFETY: the husk holds a `T: Send`, and a `HuskBox` is its only owner once
// the cell has unlinked it.
unsafe impl<T: Send> Send for HuskBox<T> {}

impl<T> HuskBox<T> {
    fn destroy(&self) {
        // SAFETY: husk memory is never freed once a cell has given it up.
        unsafe { &*self.0 }.destroy();
    }
}

/// Every husk of a group of cells emptied together: retired as one value,
/// as the real cells keep one reference per object.
pub(crate) struct Retired<T>(Vec<HuskBox<Arc<T>>>);

impl<T: Send + Sync + 'static> super::Reclaimable for Retired<T> {
    /// Destroys every husk's reference (a tracked write each). Always
    /// succeeds: the stand-in's readers hold loom `Arc`s of their own.
    fn try_free(self) -> Result<(), Self> {
        drop(self);
        Ok(())
    }
}

impl<T> Drop for Retired<T> {
    /// Destroys every husk's reference (a tracked write each), whether the
    /// reclaimer frees the value or drops it with itself.
    fn drop(&mut self) {
        self.0.iter().for_each(HuskBox::destroy);
    }
}

/// A cell holding a reference to the object that owns a slot and the slot's
/// position in it, read under a [`Guard`]. The reference lives in a husk of
/// its own per cell, so that a use of it after its destruction is reported.
pub(crate) struct OwnerCell<T> {
    ptr: AtomicPtr<Husk<Arc<T>>>,
    position: AtomicU32,
}

impl<T> Default for OwnerCell<T> {
    fn default() -> Self {
        Self { ptr: AtomicPtr::new(std::ptr::null_mut()), position: AtomicU32::new(0) }
    }
}

/// An object loaded from an [`OwnerCell`], valid while the guard it was
/// loaded under is pinned (which the guard's drop checks).
pub(crate) struct Loaded<'a, T> {
    value: &'a Arc<T>,
}

impl<T> Clone for Loaded<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Loaded<'_, T> {}

impl<'a, T> Loaded<'a, T> {
    /// The object.
    pub(crate) fn get(self) -> &'a T {
        self.value
    }

    /// A new strong reference to the object.
    pub(crate) fn to_arc(self) -> Arc<T> {
        self.value.clone()
    }
}

impl<T: Send + Sync + 'static> OwnerCell<T> {
    /// The object and position. `Acquire` on the pointer and `Relaxed` on the
    /// position, as in the real cell.
    pub(crate) fn load<'a>(&'a self, guard: &'a Guard) -> Option<(Loaded<'a, T>, u32)> {
        let husk = self.ptr.load(Ordering::Acquire);
        let position = self.position.load(Ordering::Relaxed);
        if husk.is_null() {
            return None;
        }
        // SAFETY: non-null pointers in the cell come from `Box::into_raw` in
        // `publish`; husk memory is freed only at the end of the execution
        // (or never) once retired, or by the cell's drop, which `&self`
        // excludes.
        let husk = unsafe { &*husk };
        husk.assert_alive();
        guard.loaded.borrow_mut().push(LoadedHusk {
            husk: (husk as *const Husk<Arc<T>>).cast(),
            assert_alive: Husk::<Arc<T>>::assert_alive_erased,
        });
        // SAFETY: the value is alive (checked just above); it stays so while
        // `guard` is pinned (`guard`'s drop checks that it did) and while the
        // cell is borrowed (its drop needs `&mut self`); the returned
        // reference borrows both.
        Some((Loaded { value: unsafe { &*husk.value() } }, position))
    }

    /// Stores a new reference to `owner` and `position` into an empty cell.
    /// `Release` on the pointer, as in the real cell.
    pub(crate) fn publish(&self, owner: &Arc<T>, position: u32) {
        self.position.store(position, Ordering::Relaxed);
        let husk = Box::into_raw(Box::new(Husk::new(owner.clone())));
        // `Release`: makes the husk's creation visible to an `Acquire` load
        // that sees the pointer.
        let previous = self.ptr.swap(husk, Ordering::Release);
        debug_assert!(previous.is_null(), "published into an occupied slot");
    }

    /// Empties every cell and returns their husks as one retired value, with
    /// how many cells held one. `AcqRel` swaps, as in the real cell.
    pub(crate) fn retire_all<'c>(
        cells: impl IntoIterator<Item = &'c Self>,
        _owner: &Arc<T>,
    ) -> (Option<Retired<T>>, usize)
    where
        T: 'c,
    {
        let husks: Vec<HuskBox<Arc<T>>> = cells
            .into_iter()
            .map(|cell| cell.ptr.swap(std::ptr::null_mut(), Ordering::AcqRel))
            .filter(|husk| !husk.is_null())
            .map(HuskBox)
            .collect();
        let emptied = husks.len();
        ((emptied > 0).then_some(Retired(husks)), emptied)
    }
}

impl<T> Drop for OwnerCell<T> {
    fn drop(&mut self) {
        // Not an atomic operation: `&mut self` is exclusive, and loom checks
        // that every earlier access happens before this one.
        let husk = self.ptr.with_mut(|ptr| *ptr);
        if !husk.is_null() {
            // `&mut self`: no guard can load it any more.
            HuskBox(husk).destroy();
        }
    }
}

mod collector;

pub(crate) use collector::{Collector, Pin};

/// A cell holding an `Option<Arc<T>>`, read without holding any lock while
/// the reader looks at the value.
pub(crate) struct PublishedCell<T> {
    cell: RwLock<Option<Arc<T>>>,
}

impl<T> PublishedCell<T> {
    pub(crate) fn empty() -> Self {
        Self { cell: RwLock::new(None) }
    }

    /// Calls `f` with the current value: clones the `Arc` out under the read
    /// lock (`Acquire`, as arc-swap's load), then releases the lock before
    /// `f` runs, as an arc-swap guard does not block writers.
    pub(crate) fn with<R>(&self, f: impl FnOnce(Option<&T>) -> R) -> R {
        let loaded = self.cell.read().unwrap().clone();
        f(loaded.as_deref())
    }

    /// Replaces the value (`Release`, as arc-swap's store). The old one is
    /// dropped by whoever holds its last clone.
    pub(crate) fn store(&self, value: Option<Arc<T>>) {
        let old = std::mem::replace(&mut *self.cell.write().unwrap(), value);
        drop(old);
    }
}

/// A deterministic hasher: loom replays executions, so the shard a key goes
/// to must not change between them.
type FixedState = BuildHasherDefault<DefaultHasher>;

/// Enough shards for two groups to land in the same one or in different
/// ones.
const SHARDS: usize = 2;

/// A hash set split into shards, each behind its own loom `RwLock`, with
/// dashmap's locking: reads under the shard's read lock, every change under
/// its write lock.
pub(crate) struct ShardedSet<K> {
    shards: [RwLock<HashMap<K, (), FixedState>>; SHARDS],
}

impl<K: Hash + Eq> ShardedSet<K> {
    pub(crate) fn new() -> Self {
        Self { shards: std::array::from_fn(|_| RwLock::new(HashMap::default())) }
    }

    fn shard<Q: Hash + ?Sized>(&self, key: &Q) -> &RwLock<HashMap<K, (), FixedState>> {
        &self.shards[(FixedState::default().hash_one(key) % SHARDS as u64) as usize]
    }

    /// Under the shard's read lock, `f` of the element equal to `key`.
    pub(crate) fn find<Q, R>(&self, key: &Q, f: impl FnOnce(&K) -> R) -> Option<R>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let shard = self.shard(key).read().unwrap();
        let found = shard.get_key_value(key).map(|(k, ())| f(k));
        drop(shard);
        found
    }

    /// Under the shard's write lock: keeps an equal element `try_reuse`
    /// accepts, or puts `key` in (calling `on_insert` first). What is handed
    /// back is dropped by the caller after the lock is released.
    pub(crate) fn insert_or_reuse<R>(
        &self,
        key: K,
        try_reuse: impl FnOnce(&K) -> Option<R>,
        on_insert: impl FnOnce(&K),
    ) -> InsertOutcome<K, R>
    where
        K: Clone,
    {
        let mut shard = self.shard(&key).write().unwrap();
        let outcome = match shard.get_key_value(&key).map(|(existing, ())| try_reuse(existing)) {
            Some(Some(reused)) => InsertOutcome::Reused(reused, key),
            _ => {
                on_insert(&key);
                // `HashMap::insert` would keep the old key: take it out first.
                let replaced = shard.remove_entry(&key).map(|(old, ())| old);
                shard.insert(key, ());
                InsertOutcome::Inserted(replaced)
            }
        };
        drop(shard);
        outcome
    }

    /// Under the shard's write lock, removes the element equal to `key` if
    /// `f(element)`.
    pub(crate) fn remove_if<Q>(&self, key: &Q, f: impl FnOnce(&K) -> bool) -> Option<K>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let mut shard = self.shard(key).write().unwrap();
        let removed = if shard.get_key_value(key).is_some_and(|(k, ())| f(k)) {
            shard.remove_entry(key).map(|(k, ())| k)
        } else {
            None
        };
        drop(shard);
        removed
    }

    /// The number of elements, each shard read-locked in turn (as dashmap).
    pub(crate) fn len(&self) -> usize {
        self.shards.iter().map(|shard| shard.read().unwrap().len()).sum()
    }

    /// `f` of every element, each shard under its read lock in turn (as
    /// dashmap's iterator).
    pub(crate) fn for_each(&self, mut f: impl FnMut(&K)) {
        for shard in &self.shards {
            shard.read().unwrap().keys().for_each(&mut f);
        }
    }
}

/// Self-checks of the stand-ins and of the reclaimer over them: they must
/// report what the models rely on them to report.
#[cfg(all(test, not(crossbeam_loom)))]
mod loom_tests {
    use loom::thread;

    use super::*;
    use crate::raw::sync::{run_model, Reclaimer};

    /// A reader pinned while a group's cells are emptied and retired keeps
    /// what it loaded alive through any number of flushes; one that pins
    /// later finds the cells empty; the value is freed once the reader is
    /// gone.
    #[test]
    fn a_pinned_reader_keeps_a_retired_value_alive() {
        run_model(|| {
            let reclaimer = Arc::new(Reclaimer::<Retired<u32>>::new());
            let cells = Arc::new([OwnerCell::default(), OwnerCell::default()]);
            let owner = Arc::new(7u32);
            cells[0].publish(&owner, 0);
            cells[1].publish(&owner, 1);
            let reader = thread::spawn({
                let (reclaimer, cells) = (reclaimer.clone(), cells.clone());
                move || {
                    let guard = reclaimer.pin();
                    let seen = cells[1].load(&guard).map(|(value, position)| (*value.get(), position));
                    assert!(matches!(seen, None | Some((7, 1))));
                }
            });
            let (retired, emptied) = OwnerCell::retire_all(cells.iter(), &owner);
            assert_eq!(emptied, 2);
            let mut retiring = crate::raw::sync::Retiring::new();
            retiring.push(retired.unwrap(), 2);
            reclaimer.retire(retiring);
            reclaimer.flush();
            reader.join().unwrap();
            reclaimer.flush();
            assert_eq!(reclaimer.pending(), 0);
            assert!(cells[0].load(&reclaimer.pin()).is_none());
        });
    }

    /// A value destroyed behind the collector's back is reported at the
    /// next access.
    #[test]
    #[should_panic(expected = "use after free")]
    fn a_value_destroyed_under_a_guard_is_reported() {
        run_model(|| {
            let reclaimer = Reclaimer::<Retired<u32>>::new();
            let cell = OwnerCell::default();
            let guard = reclaimer.pin();
            cell.publish(&Arc::new(7u32), 0);
            let husk = cell.ptr.load(Ordering::Relaxed);
            // SAFETY: the husk is live memory; destroying its value early is
            // the bug this test plants.
            unsafe { &*husk }.destroy();
            let _ = cell.load(&guard);
        });
    }
}
