//! [`OwnerCell`]: each slot's reference to the object that owns it (its rec
//! group's entry), read under a [`Guard`] and retired through the
//! registry's [`Reclaimer`](super::Reclaimer) as one [`Retired`] value.

use super::{Arc, AtomicPtr, AtomicU32, Guard, Ordering};

/// A cell holding a strong reference to the object that owns a slot
/// (a rec group's entry) and the slot's position in it, written once per
/// occupancy and read concurrently under a [`Guard`] without touching the
/// reference count.
///
/// The object stays allocated while any guard that could have loaded it
/// is pinned: emptying cells ([`OwnerCell::retire_all`]) keeps one of their
/// references, which the reclaimer drops once those guards are gone: one
/// retirement per object, however many cells pointed at it.
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
    /// The pointer as the cell held it (from `Arc::into_raw`), not a
    /// reference: [`Loaded::to_arc`] reaches the reference counts in front
    /// of the object, which a `&T` has no permission for (Tree Borrows).
    ptr: std::ptr::NonNull<T>,
    object: std::marker::PhantomData<&'a T>,
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
        // SAFETY: the pointer came from `Arc::into_raw` and its object is
        // alive for `'a` (see `OwnerCell::load`, the one maker of a
        // `Loaded`); only shared references to it are ever made.
        unsafe { self.ptr.as_ref() }
    }

    /// A new strong reference to the object.
    pub(crate) fn to_arc(self) -> Arc<T> {
        let ptr: *const T = self.ptr.as_ptr();
        // SAFETY: `ptr` came from `Arc::into_raw` in `OwnerCell::publish`
        // (a `Loaded` is made only from a cell's pointer), and a strong
        // reference to it is alive: the guard this was loaded under is
        // still pinned (`'a` borrows it), so either the cell still holds
        // its reference or the [`Retired`] value `retire_all` returned
        // does, and a reclaimer frees that only after this guard is gone.
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
        // What a `Loaded` promises its unsafe methods: a non-null pointer
        // came from `Arc::into_raw` in `publish`, and its object is alive
        // for `'a`: the cell's own
        // reference is given up only through `retire_all`, which keeps one
        // reference in the [`Retired`] value it returns, and the callers
        // retire that into a reclaimer, which frees it only after every
        // guard pinned before the cell was emptied is gone (ours is pinned
        // for `'a`, and we loaded the pointer under it); or by the cell's
        // `Drop`, which needs `&mut self`.
        let ptr = std::ptr::NonNull::new(ptr)?;
        Some((Loaded { ptr, object: std::marker::PhantomData }, position))
    }

    /// Stores a new reference to `owner` and the slot's `position` in it
    /// into an empty cell. `Release`: pairs with the `Acquire` in
    /// [`load`](Self::load).
    pub(crate) fn publish(&self, owner: &Arc<T>, position: u32) {
        // `Relaxed`: a check of the caller's contract (the cell is empty).
        debug_assert!(self.ptr.load(Ordering::Relaxed).is_null(), "published into an occupied slot");
        // `Relaxed`: ordered before the pointer's `Release` store.
        self.position.store(position, Ordering::Relaxed);
        let ptr = Arc::into_raw(owner.clone()).cast_mut();
        // A store, not a swap: the cell is empty, so a swap would only
        // return null (a misused cell leaks its old reference either way).
        self.ptr.store(ptr, Ordering::Release);
    }

    /// Empties every cell of `cells`, all of which hold references to
    /// `owner` (or are empty), and returns one of their references as the
    /// group's [`Retired`] value, dropping the others at once (which never
    /// frees the object: the returned one remains), with how many cells held
    /// a reference. Readers pinned now keep what they loaded; readers that
    /// pin later find the cells empty. The caller retires the value into a
    /// [`Reclaimer`](super::Reclaimer), which frees it only after every
    /// reader that could have loaded it has unpinned.
    pub(crate) fn retire_all<'c>(
        cells: impl IntoIterator<Item = &'c Self>,
        owner: &Arc<T>,
    ) -> (Option<Retired<T>>, usize)
    where
        T: 'c,
    {
        let owner = Arc::as_ptr(owner);
        let mut kept: Option<Retired<T>> = None;
        let mut emptied = 0;
        for cell in cells {
            // A swap, not a load and a store: it is what makes the
            // reference ours, whatever the caller does (two callers would
            // leak, not free twice). `AcqRel`: `Acquire` so that the drop
            // happens after the publication; `Release` as the natural
            // pairing with readers.
            let old = cell.ptr.swap(std::ptr::null_mut(), Ordering::AcqRel).cast_const();
            if old.is_null() {
                continue;
            }
            emptied += 1;
            if old != owner {
                // A cell of another object: the caller broke the contract.
                // Leaking the reference is the one safe answer (a reader
                // may hold it).
                debug_assert!(false, "retire_all: a cell refers to another object");
                continue;
            }
            if kept.is_none() {
                // SAFETY: `old` is a reference this cell owned (from
                // `Arc::into_raw` in `publish`), now ours by the swap.
                kept = Some(Retired(unsafe { Arc::from_raw(old) }));
            } else {
                // SAFETY: as above, ours by the swap; the object stays
                // alive through the reference in `kept`, which the caller
                // frees only through a reclaimer.
                unsafe { Arc::decrement_strong_count(old) };
            }
        }
        (kept, emptied)
    }
}

/// A reference to an object whose cells were emptied: retired, waiting for
/// the readers that may hold the object, then freed by a
/// [`Reclaimer`](super::Reclaimer).
pub(crate) struct Retired<T>(Arc<T>);

impl<T: Send + Sync + 'static> super::Reclaimable for Retired<T> {
    /// Drops the object if this is the last reference to it; hands the
    /// reference back otherwise (a reader that cloned it while it was
    /// pinned still holds another, and must never be the one to drop it).
    fn try_free(self) -> Result<(), Self> {
        Arc::try_unwrap(self.0).map(drop).map_err(Retired)
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

    use super::{OwnerCell, Retired};
    use crate::raw::sync::{Reclaimer, Retiring};

    /// Counts its drops.
    struct Counted(Arc<AtomicUsize>);

    impl Drop for Counted {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Retires `cells`' object into `reclaimer`, as a dismantle does.
    fn retire(reclaimer: &Reclaimer<Retired<Counted>>, cells: &[OwnerCell<Counted>], owner: &Arc<Counted>) -> usize {
        let (retired, emptied) = OwnerCell::retire_all(cells, owner);
        let mut retiring = Retiring::new();
        retiring.push(retired.expect("a published cell"), emptied);
        reclaimer.retire(retiring);
        emptied
    }

    /// Garbage retired into one reclaimer is never freed by another's
    /// flushes, however many; its own flush frees it.
    #[test]
    fn garbage_of_one_reclaimer_is_never_freed_by_another() {
        let drops = Arc::new(AtomicUsize::new(0));
        let (a, b) = (Reclaimer::new(), Reclaimer::<Retired<Counted>>::new());
        let cell = [OwnerCell::default()];
        let owner = Arc::new(Counted(drops.clone()));
        cell[0].publish(&owner, 0);
        assert_eq!(retire(&a, &cell, &owner), 1);
        drop(owner);
        let b_cell = [OwnerCell::default()];
        // Each round of B's is a real one (B has garbage of its own); Miri
        // runs a few, which is the same test.
        for _ in 0..if cfg!(miri) { 10 } else { 1_000 } {
            let b_owner = Arc::new(Counted(Arc::new(AtomicUsize::new(0))));
            b_cell[0].publish(&b_owner, 0);
            retire(&b, &b_cell, &b_owner);
            b.flush();
        }
        assert_eq!(drops.load(Ordering::Relaxed), 0, "a call into B freed A's garbage");
        assert_eq!(a.pending(), 1);
        a.flush_until_empty();
        assert_eq!(drops.load(Ordering::Relaxed), 1, "A's own flush did not free its garbage");
        assert_eq!(a.pending(), 0);
    }

    /// The cells of one group are retired as one value: the object outlives
    /// a guard that loaded it from any of the cells, although all but one
    /// of their references are dropped at once, and a flush frees it once
    /// that guard is gone. A strong reference taken under the guard keeps
    /// it past that: the reclaimer never drops a reference a reader holds.
    #[test]
    fn a_group_of_cells_is_retired_as_one_value() {
        let drops = Arc::new(AtomicUsize::new(0));
        let reclaimer = Reclaimer::new();
        let cells: [OwnerCell<Counted>; 3] = Default::default();
        let owner = Arc::new(Counted(drops.clone()));
        for (position, cell) in cells.iter().enumerate() {
            cell.publish(&owner, position as u32);
        }
        let reader = reclaimer.pin();
        let (loaded, position) = cells[2].load(&reader).unwrap();
        assert_eq!(position, 2);
        assert_eq!(retire(&reclaimer, &cells, &owner), 3);
        drop(owner);
        assert_eq!(reclaimer.pending(), 1, "one retired value for the whole group");
        reclaimer.flush();
        assert_eq!(drops.load(Ordering::Relaxed), 0, "freed under a pinned reader");
        let held = loaded.to_arc();
        drop(reader);
        reclaimer.flush();
        assert_eq!(drops.load(Ordering::Relaxed), 0, "freed while a reader held a reference");
        assert_eq!(reclaimer.pending(), 1, "the held value must linger");
        drop(held);
        reclaimer.flush_until_empty();
        assert_eq!(drops.load(Ordering::Relaxed), 1, "the group's object was not freed");
        assert_eq!(reclaimer.pending(), 0);
        assert!(cells.iter().all(|cell| cell.load(&reclaimer.pin()).is_none()));
    }
}
