//! The index table: one slot per [`EngineTypeIndex`], generic over what a
//! slot holds, with the supertype [`Display`] of every slot and the
//! [`FreeLists`] that let unregistered indices be reused.
//!
//! # Type-stable memory
//! Slots live in segments that are allocated on demand and never freed or
//! moved while the table lives: segment `k` holds `BASE << k` slots, so
//! `SEGMENTS` (28) segments cover the whole `u32` index space and an index
//! maps to the same slot address forever. That is what lets readers look a
//! slot up with one `Acquire` load and no lock, even for an index that is
//! being unregistered or was never handed out: the *slot* is always valid
//! memory; only its contents come and go, and those protect their own
//! readers (the registry keeps an [`OwnerCell`](crate::raw::sync::OwnerCell)
//! in each).
//!
//! # Synchronization
//! - `segments[k]` goes from null to a fully initialized segment exactly once
//!   (a `compare_exchange` with `AcqRel`; the loser frees its copy). Readers
//!   load it with `Acquire`, so they see initialized slots.
//! - `next_unused` is a bump counter (`Relaxed` `fetch_add`: it only hands out
//!   distinct numbers, it publishes nothing).
//! - Freed indices go through the [`FreeLists`], whose `Release` push and
//!   `Acquire` pop order everything the freeing thread did to a slot before
//!   the next owner's writes.

use crate::error::RegistryError;
use crate::raw::free_list::{FreeLists, NONE};
use crate::raw::supertype_display::{Display, DisplayRef, SegmentDisplay};
use crate::raw::sync::{AtomicPtr, AtomicU32, AtomicU64, Ordering};
use crate::trace::trace;
use crate::types::EngineTypeIndex;

/// Slots in segment 0; segment `k` has `BASE << k`.
#[cfg(not(loom))]
const BASE_SHIFT: u32 = 5;
/// Under loom, two slots in segment 0: a model with a handful of types
/// already crosses segment boundaries (and creates few loom objects).
#[cfg(loom)]
const BASE_SHIFT: u32 = 1;
const BASE: u64 = 1 << BASE_SHIFT;
/// Enough segments that `BASE * (2^SEGMENTS - 1) > u32::MAX`.
const SEGMENTS: usize = 33 - BASE_SHIFT as usize;
/// The largest number of indices a registry hands out at once.
pub(crate) const MAX_INDICES: u32 = NONE;

/// `segment_len` slots: each one's display entry, the caller's value, and
/// its free-list link, each kind in a column of its own (a link beside
/// each value would pad a 12-byte value to 24 bytes a slot; in a column it
/// costs 4).
///
/// `repr(C)` with the display first: a pointer to a segment is a pointer to
/// its display's [`SegmentDisplay`] header, which is how compiled code finds
/// a segment's display (see [`SlotTable::segment_displays`]).
#[repr(C)]
struct Segment<S> {
    display: Display,
    values: Box<[S]>,
    /// The next free index of each slot while it is on a free list.
    next_free: Box<[AtomicU32]>,
}

impl<S: Default> Segment<S> {
    fn new(len: usize) -> Self {
        Segment {
            display: Display::new(len),
            values: (0..len).map(|_| S::default()).collect(),
            next_free: (0..len).map(|_| AtomicU32::new(NONE)).collect(),
        }
    }
}

/// One entry of the index table: a slot of a segment.
pub(crate) struct SlotRef<'t, S> {
    segment: &'t Segment<S>,
    offset: usize,
}

impl<S> Clone for SlotRef<'_, S> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<S> Copy for SlotRef<'_, S> {}

impl<'t, S> SlotRef<'t, S> {
    /// What the slot holds.
    pub(crate) fn value(self) -> &'t S {
        &self.segment.values[self.offset]
    }

    /// The slot's free-list link.
    fn next_free(self) -> &'t AtomicU32 {
        &self.segment.next_free[self.offset]
    }

    /// The slot's supertype display entry.
    #[inline]
    pub(crate) fn display(self) -> DisplayRef<'t> {
        self.segment.display.at(self.offset)
    }
}

/// The table of slots and the free lists of indices.
pub(crate) struct SlotTable<S> {
    segments: [AtomicPtr<Segment<S>>; SEGMENTS],
    /// Indices below this have been handed out at least once. 64 bits so
    /// that failed allocations past the last index cannot wrap it around.
    next_unused: AtomicU64,
    free: FreeLists,
}

/// How many segments a table has: the length of the array that
/// [`SlotTable::segment_displays`] points at.
pub(crate) const SEGMENT_COUNT: usize = SEGMENTS;
/// Segment `k` has `1 << (SEGMENT_SHIFT + k)` slots.
pub(crate) const SEGMENT_SHIFT: u32 = BASE_SHIFT;

/// Where an index lives: segment number, offset inside it.
pub(crate) fn locate(index: u32) -> (usize, usize) {
    let biased = u64::from(index) + BASE;
    let segment = (63 - biased.leading_zeros() - BASE_SHIFT) as usize;
    let offset = (biased - (BASE << segment)) as usize;
    (segment, offset)
}

fn segment_len(segment: usize) -> usize {
    (BASE as usize) << segment
}

impl<S: Default> SlotTable<S> {
    pub(crate) fn new() -> Self {
        SlotTable {
            segments: std::array::from_fn(|_| AtomicPtr::new(std::ptr::null_mut())),
            next_unused: AtomicU64::new(0),
            free: FreeLists::new(),
        }
    }

    /// The slot of `index`, or `None` if no index that high was ever handed
    /// out. Lock-free: one `Acquire` load.
    #[inline]
    pub(crate) fn get(&self, index: EngineTypeIndex) -> Option<SlotRef<'_, S>> {
        let (segment, offset) = locate(index.as_u32());
        // `Acquire`: pairs with the `AcqRel` publication in `ensure_segment`,
        // so the segment behind the pointer is initialized.
        let segment = self.segments.get(segment)?.load(Ordering::Acquire);
        // SAFETY: a non-null pointer is a live `Segment` of
        // `segment_len(segment)` slots (published once by `ensure_segment`,
        // freed only in `Drop`, which `&self` excludes); `offset` is below
        // that length by the construction of `locate`, so the columns'
        // bounds checks never fail.
        let segment = unsafe { segment.as_ref()? };
        Some(SlotRef { segment, offset })
    }

    /// Takes an index off a free list (this thread's first), or a never-used
    /// one.
    pub(crate) fn allocate(&self) -> Result<EngineTypeIndex, RegistryError> {
        let next_free_of = |index| self.get(EngineTypeIndex::from_u32(index)).map(SlotRef::next_free);
        if let Some(index) = self.free.pop(next_free_of) {
            return Ok(EngineTypeIndex::from_u32(index));
        }
        // `Relaxed`: the counter only has to hand out distinct values; the
        // slot's memory is published by `ensure_segment`.
        let index = self.next_unused.fetch_add(1, Ordering::Relaxed);
        let Some(index) = u32::try_from(index).ok().filter(|&i| i < MAX_INDICES) else {
            return Err(RegistryError::IndexSpaceExhausted);
        };
        self.ensure_segment(locate(index).0);
        Ok(EngineTypeIndex::from_u32(index))
    }

    /// Puts `index` back on this thread's free list. The caller must have
    /// emptied its slot and must not use the index again.
    pub(crate) fn free(&self, index: EngineTypeIndex) {
        let Some(slot) = self.get(index) else {
            debug_assert!(false, "freeing {index:?}, which was never allocated");
            return;
        };
        self.free.push(index.as_u32(), slot.next_free());
        trace!("freed {index:?}");
    }

    /// Makes sure segment `segment` is allocated.
    fn ensure_segment(&self, segment: usize) {
        let cell = &self.segments[segment];
        // `Acquire`: if it is there, we will hand out pointers into it.
        if !cell.load(Ordering::Acquire).is_null() {
            return;
        }
        let mut fresh = Box::new(Segment::new(segment_len(segment)));
        // The segment will not move again: its header may point into it.
        fresh.display.point_header();
        let fresh = Box::into_raw(fresh);
        // `AcqRel`: `Release` publishes the initialized slots; `Acquire` on
        // failure is for symmetry with readers (we only free our own copy).
        if cell.compare_exchange(std::ptr::null_mut(), fresh, Ordering::AcqRel, Ordering::Acquire).is_err() {
            // SAFETY: `fresh` came from `Box::into_raw` just above and was
            // never shared: the CAS that would have published it failed.
            drop(unsafe { Box::from_raw(fresh) });
        }
    }
}

impl<S> SlotTable<S> {
    /// The table's [`SEGMENT_COUNT`] segment pointers, read as pointers to
    /// their displays' headers (null for a segment not allocated yet): the
    /// table compiled code reads. Valid as long as the table.
    #[inline]
    pub(crate) fn segment_displays(&self) -> *const AtomicPtr<SegmentDisplay> {
        // A pointer cast, no dereference: `AtomicPtr<T>` has the layout of
        // `*mut T` for every `T`, and a `Segment` starts with its display,
        // which starts with its header (both `repr(C)`).
        self.segments.as_ptr().cast()
    }

    /// The inline check's loads (see [`DisplayView`](crate::DisplayView)):
    /// `index`'s display entry at `depth`, read through
    /// [`segment_displays`](Self::segment_displays) and the segment's
    /// [`SegmentDisplay`] header as compiled code reads them, not through
    /// the table's own references. `None` if `index`'s segment was never
    /// allocated (no index in it was ever handed out) or `depth` is not
    /// below the display's length.
    #[inline]
    pub(crate) fn display_entry(&self, index: EngineTypeIndex, depth: usize) -> Option<u32> {
        let (segment, offset) = locate(index.as_u32());
        if segment >= SEGMENTS {
            return None;
        }
        // Load 1. `Acquire`: pairs with the `AcqRel` publication in
        // `ensure_segment`, so the header behind the pointer is initialized
        // and pointed.
        // SAFETY: `segment_displays` points at the `SEGMENTS` cells of
        // `self.segments`, which `&self` keeps alive, read as cells of
        // header pointers (see there); `segment` is below `SEGMENTS`.
        let header = unsafe { &*self.segment_displays().add(segment) }.load(Ordering::Acquire);
        // SAFETY: a non-null pointer is the header of a live segment's
        // display (published once by `ensure_segment`, freed only in
        // `Drop`, which `&self` excludes).
        let header = unsafe { header.as_ref() }?;
        // Loads 2 and 3.
        // SAFETY: `ensure_segment` pointed the header (`point_header`)
        // after the segment reached its box and before publishing it, and
        // the display lives as long as `self`.
        unsafe { header.column_entry(depth, offset) }
    }

    /// How many distinct indices were ever handed out (the high-water mark).
    pub(crate) fn capacity_used(&self) -> usize {
        // `Relaxed`: statistics only.
        self.next_unused.load(Ordering::Relaxed).min(u64::from(MAX_INDICES)) as usize
    }

    /// The heap bytes the table has allocated: every segment up to the one
    /// that holds the highest index ever handed out, with its slots and its
    /// display. Segments are never freed while the table lives, so this
    /// only grows (see [`capacity_used`](Self::capacity_used)).
    pub(crate) fn heap_bytes(&self) -> usize {
        let used = self.capacity_used();
        if used == 0 {
            return 0;
        }
        let (last, _) = locate((used - 1) as u32);
        (0..=last)
            .map(|k| {
                let len = segment_len(k);
                size_of::<Segment<S>>() + len * (size_of::<S>() + size_of::<AtomicU32>()) + Display::heap_bytes(len)
            })
            .sum()
    }

    /// How many indices are on the free lists.
    pub(crate) fn free_len(&self) -> usize {
        let sum = self.free.wrapping_len();
        // A momentary dip below zero (see the free lists' docs) reads as
        // empty.
        if sum > self.capacity_used() {
            0
        } else {
            sum
        }
    }

    /// How many indices are handed out now (registered types, and those
    /// being registered or unregistered at this moment).
    pub(crate) fn in_use(&self) -> usize {
        self.capacity_used().saturating_sub(self.free_len())
    }
}

impl<S> Drop for SlotTable<S> {
    fn drop(&mut self) {
        for cell in &mut self.segments {
            // `Relaxed`: `&mut self` means every other thread is done with
            // the table (the last `Arc` on the registry was dropped). Not
            // `get_mut`, which loom's atomics lack.
            let segment = cell.load(Ordering::Relaxed);
            if !segment.is_null() {
                // SAFETY: a non-null segment pointer came from `Box::into_raw`
                // in `ensure_segment`; `&mut self` means no reader remains.
                drop(unsafe { Box::from_raw(segment) });
            }
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn locate_covers_the_index_space_without_gaps() {
        assert_eq!(locate(0), (0, 0));
        assert_eq!(locate(31), (0, 31));
        assert_eq!(locate(32), (1, 0));
        assert_eq!(locate(95), (1, 63));
        assert_eq!(locate(96), (2, 0));
        let (segment, offset) = locate(u32::MAX - 1);
        assert!(segment < SEGMENTS);
        assert!(offset < segment_len(segment));
    }

    /// What compiled code reads through the view's pointers is what the
    /// registry wrote: a segment's header points into its display where
    /// the segment finally lives. (Run under Miri with Stacked Borrows, it
    /// reports a header pointer taken from a box that was moved after.)
    #[test]
    fn the_view_reads_the_state_and_columns_the_display_holds() {
        let table = SlotTable::<()>::new();
        let (sub, parent) = (table.allocate().unwrap(), table.allocate().unwrap());
        let slot = table.get(sub).unwrap().display();
        slot.set_supertypes(vec![parent].into());
        slot.show();
        let (segment, offset) = locate(sub.as_u32());
        // SAFETY: `segment_displays` points at `SEGMENTS` atomic pointers,
        // each null or pointing at a live segment's header, whose pointers
        // point at `len` state words and `DISPLAY_LEN * len` column entries;
        // the table outlives these reads.
        let (state, ancestor) = unsafe {
            let header = &*(*table.segment_displays().add(segment)).load(Ordering::Acquire);
            let len = header.len as usize;
            assert!(offset < len);
            let state = (*header.states.add(offset)).load(Ordering::Acquire);
            (state, (*header.columns.add(offset)).load(Ordering::Relaxed))
        };
        assert_eq!(state & crate::DisplayView::DEPTH_MASK, 1, "the state's depth");
        assert_ne!(state & crate::DisplayView::VISIBLE, 0, "the state's visibility");
        assert_eq!(ancestor, parent.as_u32(), "the ancestor at depth 0");
    }

    /// `display_entry`, the inline check's loads, reads what the display
    /// holds, pads past the type's depth, and answers `None` where there is
    /// nothing to read.
    #[test]
    fn display_entries_read_through_the_headers_match_the_display() {
        use crate::raw::supertype_display::DISPLAY_LEN;
        let table = SlotTable::<()>::new();
        let indices: Vec<EngineTypeIndex> = (0..40).map(|_| table.allocate().unwrap()).collect();
        // A chain across segments 0 and 1: the last index's ancestors are
        // the first three.
        let (sub, chain) = (indices[39], indices[..3].to_vec());
        let slot = table.get(sub).unwrap().display();
        slot.set_supertypes(chain.clone().into());
        slot.show();
        for (depth, ancestor) in chain.iter().enumerate() {
            assert_eq!(table.display_entry(sub, depth), Some(ancestor.as_u32()));
        }
        assert_eq!(table.display_entry(sub, 3), Some(crate::DisplayView::NO_ANCESTOR), "padded past the depth");
        assert_eq!(table.display_entry(sub, DISPLAY_LEN - 1), Some(crate::DisplayView::NO_ANCESTOR));
        assert_eq!(table.display_entry(sub, DISPLAY_LEN), None, "past the display");
        assert_eq!(table.display_entry(indices[5], 0), Some(crate::DisplayView::NO_ANCESTOR), "never filled");
        let (far, _) = locate(1 << 20);
        assert!(table.segments[far].load(Ordering::Relaxed).is_null());
        assert_eq!(table.display_entry(EngineTypeIndex::from_u32(1 << 20), 0), None, "segment never allocated");
        assert_eq!(table.display_entry(EngineTypeIndex::from_u32(u32::MAX), 0), None);
    }

    #[test]
    fn freed_indices_are_reused_last_in_first_out_and_counted() {
        let table = SlotTable::<()>::new();
        let a = table.allocate().unwrap();
        let b = table.allocate().unwrap();
        assert_ne!(a, b);
        table.free(a);
        table.free(b);
        assert_eq!(table.free_len(), 2);
        assert_eq!(table.in_use(), 0);
        assert_eq!(table.allocate().unwrap(), b);
        assert_eq!(table.in_use(), 1);
        assert_eq!(table.allocate().unwrap(), a);
        assert_eq!(table.free_len(), 0);
        assert_eq!(table.capacity_used(), 2);
        assert_eq!(table.in_use(), 2);
    }

    #[test]
    fn indices_freed_on_other_threads_are_reused() {
        let table = SlotTable::<()>::new();
        let indices: Vec<EngineTypeIndex> = (0..100).map(|_| table.allocate().unwrap()).collect();
        std::thread::scope(|s| {
            for chunk in indices.chunks(10) {
                let table = &table;
                s.spawn(move || chunk.iter().for_each(|&i| table.free(i)));
            }
        });
        assert_eq!(table.free_len(), 100);
        assert_eq!(table.in_use(), 0);
        // This thread's own list may be empty: it takes from the others.
        let mut again: Vec<u32> = (0..100).map(|_| table.allocate().unwrap().as_u32()).collect();
        again.sort_unstable();
        assert_eq!(again, (0..100).collect::<Vec<u32>>());
        assert_eq!(table.capacity_used(), 100, "no index was handed out twice or anew");
    }

    #[test]
    fn indices_never_allocated_have_no_slot() {
        let table = SlotTable::<()>::new();
        assert!(table.get(EngineTypeIndex::from_u32(0)).is_none());
        let a = table.allocate().unwrap();
        assert!(table.get(a).is_some());
        assert!(table.get(EngineTypeIndex::from_u32(u32::MAX)).is_none());
    }
}

/// White-box loom models of the free list and the segment table, whose races
/// the public API reaches only through long registrations.
#[cfg(all(test, loom))]
mod loom_tests {
    use loom::thread;

    use super::*;
    use crate::raw::sync::{run_model, Arc};

    /// Every index ever handed out is exactly once live or free.
    #[track_caller]
    fn assert_each_index_once(table: &SlotTable<()>, mut live: Vec<EngineTypeIndex>) {
        let next_free_of = |index| table.get(EngineTypeIndex::from_u32(index)).map(SlotRef::next_free);
        while let Some(free) = table.free.pop(next_free_of) {
            live.push(EngineTypeIndex::from_u32(free));
        }
        live.sort();
        let all: Vec<_> = (0..table.capacity_used() as u32).map(EngineTypeIndex::from_u32).collect();
        assert_eq!(live, all, "an index is both live and free, or lost");
    }

    /// The ABA race on the free list's head: a pop reads the head and its
    /// `next_free`, and before its compare-and-swap another thread pops that
    /// head, pops the next one and pushes the first back. Same top index, a
    /// different `next`: only the tag makes the stale pop fail.
    #[test]
    fn free_list_pop_survives_aba() {
        run_model(|| {
            let table = Arc::new(SlotTable::<()>::new());
            let (a, b) = (table.allocate().unwrap(), table.allocate().unwrap());
            table.free(a);
            table.free(b);
            let popper = thread::spawn({
                let table = table.clone();
                move || table.allocate().unwrap()
            });
            let first = table.allocate().unwrap();
            let second = table.allocate().unwrap();
            table.free(first);
            let popped = popper.join().unwrap();
            assert_each_index_once(&table, vec![popped, second]);
        });
    }

    /// Two threads take the first indices of an empty table at once: both
    /// allocate segment 0, one publishes it, and both slots end up in it.
    #[test]
    fn racing_first_allocations_share_one_segment() {
        run_model(|| {
            let table = Arc::new(SlotTable::<()>::new());
            // A chain of `depth` ancestors: its writes are `Relaxed`, ordered
            // before the check by the join.
            let mark = |table: &SlotTable<()>, index: EngineTypeIndex, depth: usize| {
                table.get(index).unwrap().display().set_supertypes(vec![EngineTypeIndex::from_u32(0); depth].into());
            };
            let other = thread::spawn({
                let table = table.clone();
                move || {
                    let index = table.allocate().unwrap();
                    mark(&table, index, 1);
                    index
                }
            });
            let mine = table.allocate().unwrap();
            mark(&table, mine, 2);
            let theirs = other.join().unwrap();
            assert_ne!(mine, theirs);
            for (index, depth) in [(theirs, 1), (mine, 2)] {
                let seen = table.get(index).unwrap().display().depth();
                assert_eq!(seen, depth, "{index:?}'s slot was lost with a segment");
            }
            assert_each_index_once(&table, vec![mine, theirs]);
        });
    }
}
