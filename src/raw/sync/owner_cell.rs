//! [`OwnerCell`]: each slot's reference to the object that owns it (its rec
//! group's entry), read under a [`Guard`] and retired through the
//! registry's [`Reclaimer`](super::Reclaimer).

use super::{Arc, AtomicPtr, AtomicU32, Guard, Ordering};

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
    /// [`display`](crate::raw::supertype_display)).
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
    /// is set aside for [`Reclaimer::drop_set_aside`](super::Reclaimer::drop_set_aside).
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

    use super::OwnerCell;
    use crate::raw::sync::Reclaimer;

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
