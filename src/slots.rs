//! The index table: one slot per [`SharedTypeIndex`], and the free list that
//! lets unregistered indices be reused.
//!
//! # Type-stable memory
//! Slots live in segments that are allocated on demand and never freed or
//! moved while the table lives: segment `k` holds `BASE << k` slots, so 27
//! segments cover the whole `u32` index space and an index maps to the same
//! slot address forever. That is what lets readers look a slot up with one
//! `Acquire` load and no lock, even for an index that is being unregistered or
//! was never handed out: the *slot* is always valid memory; only its contents
//! ([`RetiringCell`], [`PublishedCell`]) come and go, and those cells protect
//! their own readers.
//!
//! # Synchronization
//! - `segments[k]` goes from null to a fully initialized segment exactly once
//!   (a `compare_exchange` with `AcqRel`; the loser frees its copy). Readers
//!   load it with `Acquire`, so they see initialized slots.
//! - `next_unused` is a bump counter (`Relaxed` `fetch_add`: it only hands out
//!   distinct numbers, it publishes nothing).
//! - The free list is a Treiber stack threaded through `Slot::next_free`,
//!   whose head packs the top index with a tag that every push and pop
//!   increments ([`FreeHead`]), so a pop that read a stale `next_free` fails
//!   its `compare_exchange` instead of corrupting the list (the ABA problem).
//!   Pushes are `Release` and pops `Acquire`, so the popper sees `next_free`
//!   as the pusher wrote it, and everything the freeing thread did to the
//!   slot (retiring its payload) happens before the new owner writes it.

use crate::error::RegistryError;
use crate::hash_cons::RecGroupEntry;
use crate::sync::{Arc, AtomicPtr, AtomicU32, AtomicU64, AtomicU8, AtomicUsize, Ordering, PublishedCell, RetiringCell};
use crate::trace::trace;
use crate::types::{SharedTypeIndex, SubType};

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
/// Not a valid index: marks the end of the free list.
const NONE: u32 = u32::MAX;
/// The largest number of indices a registry hands out at once.
pub(crate) const MAX_INDICES: u32 = NONE;

/// What a reader needs about a registered type, published as one unit.
pub(crate) struct TypePayload {
    /// The type in runtime form (every reference a shared index).
    pub(crate) sub_type: Arc<SubType>,
    /// The rec group that owns this index; `RegisteredType::root` increments
    /// its registration count.
    pub(crate) entry: Arc<RecGroupEntry>,
    /// The type's trampoline type: itself, or a registered trampoline type
    /// that `entry` holds a registration on.
    pub(crate) trampoline: SharedTypeIndex,
}

/// A type's declared supertypes, outermost first: `chain[d]` is its ancestor
/// at depth `d`, and `chain.len()` is its own depth.
pub(crate) struct SupertypeChain(pub(crate) Box<[SharedTypeIndex]>);

/// How many ancestors a slot caches inline (the "display").
///
/// Real hierarchies are shallow (dart2wasm's deepest chain is 9), so the
/// display answers nearly every `is_subtype` with plain loads from the slot
/// itself. The idea is HotSpot's "primary supers" display (Click and Rose,
/// *Fast subtype checking in the HotSpot JVM*, 2002); deeper ancestors are
/// read from the published [`SupertypeChain`]. Ten entries is what fits
/// beside the other fields in one 64-byte cache line, so a subtype check
/// touches one line of each type's slot.
pub(crate) const DISPLAY_LEN: usize = 10;

/// One entry of the index table.
///
/// # Synchronization of the supertype fields
/// `depth` and `display` are written (`Relaxed`) by the thread that fills
/// the slot, before the index is handed to anyone: the payload's `Release`
/// publication, the shard lock of the hash-consing map, or a handle moved to
/// another thread all order those writes before any use of the index. While
/// the type stays registered they do not change, so readers that hold the
/// type read them with `Relaxed` loads and see the right values. A reader
/// that does not hold the type may see values of an earlier or later
/// occupant of the slot: memory-safe (they are atomics in memory that is
/// never freed), merely meaningless, which is what `is_subtype` promises for
/// indices the caller does not keep registered.
#[repr(C, align(64))]
pub(crate) struct Slot {
    /// The type's depth (the chain's length); 0 while the slot is empty.
    depth: AtomicU8,
    /// The next free index while this slot is on the free list.
    next_free: AtomicU32,
    /// The first `DISPLAY_LEN` entries of the chain.
    display: [AtomicU32; DISPLAY_LEN],
    /// Read by `borrow`, `root` and `trampoline_type`.
    pub(crate) payload: RetiringCell<TypePayload>,
    /// The whole supertype chain, owned and published through arc-swap; read
    /// by `is_subtype` for ancestors at depth `DISPLAY_LEN` or more, and when
    /// a new subtype's chain is built.
    pub(crate) supertypes: PublishedCell<SupertypeChain>,
}

// One slot, one cache line (with the real primitives; loom's are bigger).
#[cfg(not(loom))]
const _: () = assert!(std::mem::size_of::<Slot>() == 64);

impl Slot {
    fn empty() -> Self {
        Slot {
            depth: AtomicU8::new(0),
            next_free: AtomicU32::new(NONE),
            display: std::array::from_fn(|_| AtomicU32::new(NONE)),
            payload: RetiringCell::empty(),
            supertypes: PublishedCell::empty(),
        }
    }

    /// Records the supertype chain of the type being published here.
    pub(crate) fn set_supertypes(&self, chain: Box<[SharedTypeIndex]>) {
        for (cell, ancestor) in self.display.iter().zip(chain.iter()) {
            // `Relaxed`: see the type's Synchronization section.
            cell.store(ancestor.as_u32(), Ordering::Relaxed);
        }
        // `Relaxed`: as above. The chain is at most 63 long.
        self.depth.store(chain.len() as u8, Ordering::Relaxed);
        self.supertypes.store(Some(Arc::new(SupertypeChain(chain))));
    }

    /// Forgets the supertype chain of the type being retired from here.
    pub(crate) fn clear_supertypes(&self) {
        // `Relaxed`: readers that still hold the old type misuse the index;
        // they see the old depth or 0, either is memory-safe.
        self.depth.store(0, Ordering::Relaxed);
        self.supertypes.store(None);
    }

    /// The type's depth: how many supertypes it has.
    #[inline]
    pub(crate) fn depth(&self) -> usize {
        // `Relaxed`: see the type's Synchronization section.
        usize::from(self.depth.load(Ordering::Relaxed))
    }

    /// Whether the type's ancestor at `depth` is `ancestor`: from the
    /// display for shallow depths, from the published chain for deep ones.
    #[inline]
    pub(crate) fn has_ancestor_at(&self, depth: usize, ancestor: SharedTypeIndex) -> bool {
        if depth >= self.depth() {
            return false;
        }
        match self.display.get(depth) {
            // `Relaxed`: see the type's Synchronization section.
            Some(cell) => cell.load(Ordering::Relaxed) == ancestor.as_u32(),
            None => self.supertypes.with(|chain| chain.is_some_and(|chain| chain.0.get(depth) == Some(&ancestor))),
        }
    }
}

/// The free list's head: the top index and an ABA tag, packed in one word.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
struct FreeHead {
    index: u32,
    tag: u32,
}

impl FreeHead {
    const EMPTY: FreeHead = FreeHead { index: NONE, tag: 0 };

    fn pack(self) -> u64 {
        (u64::from(self.tag) << 32) | u64::from(self.index)
    }

    fn unpack(word: u64) -> FreeHead {
        FreeHead { index: word as u32, tag: (word >> 32) as u32 }
    }

    /// The head after replacing the top with `index`.
    fn with_top(self, index: u32) -> FreeHead {
        FreeHead { index, tag: self.tag.wrapping_add(1) }
    }
}

/// The table of slots and the free list of indices.
pub(crate) struct SlotTable {
    segments: [AtomicPtr<Slot>; SEGMENTS],
    /// Indices below this have been handed out at least once. 64 bits so
    /// that failed allocations past the last index cannot wrap it around.
    next_unused: AtomicU64,
    free_head: AtomicU64,
    /// How many indices are on the free list (statistics only).
    free_count: AtomicUsize,
}

/// Where an index lives: segment number, offset inside it.
fn locate(index: u32) -> (usize, usize) {
    let biased = u64::from(index) + BASE;
    let segment = (63 - biased.leading_zeros() - BASE_SHIFT) as usize;
    let offset = (biased - (BASE << segment)) as usize;
    (segment, offset)
}

fn segment_len(segment: usize) -> usize {
    (BASE as usize) << segment
}

impl SlotTable {
    pub(crate) fn new() -> Self {
        SlotTable {
            segments: std::array::from_fn(|_| AtomicPtr::new(std::ptr::null_mut())),
            next_unused: AtomicU64::new(0),
            free_head: AtomicU64::new(FreeHead::EMPTY.pack()),
            free_count: AtomicUsize::new(0),
        }
    }

    /// The slot of `index`, or `None` if no index that high was ever handed
    /// out. Lock-free: one `Acquire` load.
    #[inline]
    pub(crate) fn get(&self, index: SharedTypeIndex) -> Option<&Slot> {
        let (segment, offset) = locate(index.as_u32());
        // `Acquire`: pairs with the `AcqRel` publication in `ensure_segment`,
        // so the slots behind the pointer are initialized.
        let base = self.segments.get(segment)?.load(Ordering::Acquire);
        if base.is_null() {
            return None;
        }
        // SAFETY: `base` points to a live array of `segment_len(segment)`
        // slots (published once by `ensure_segment`, freed only in `Drop`,
        // which `&self` excludes), and `offset < segment_len(segment)` by the
        // construction of `locate`.
        Some(unsafe { &*base.add(offset) })
    }

    /// Takes an index off the free list, or a never-used one.
    pub(crate) fn allocate(&self) -> Result<SharedTypeIndex, RegistryError> {
        if let Some(index) = self.pop_free() {
            return Ok(index);
        }
        // `Relaxed`: the counter only has to hand out distinct values; the
        // slot's memory is published by `ensure_segment`.
        let index = self.next_unused.fetch_add(1, Ordering::Relaxed);
        let Some(index) = u32::try_from(index).ok().filter(|&i| i < MAX_INDICES) else {
            return Err(RegistryError::IndexSpaceExhausted);
        };
        self.ensure_segment(locate(index).0);
        Ok(SharedTypeIndex::from_u32(index))
    }

    /// Puts `index` back on the free list. The caller must have emptied its
    /// slot and must not use the index again.
    pub(crate) fn free(&self, index: SharedTypeIndex) {
        let Some(slot) = self.get(index) else {
            debug_assert!(false, "freeing {index:?}, which was never allocated");
            return;
        };
        // `Relaxed`: this load only seeds the CAS loop, which re-checks it.
        let mut head = FreeHead::unpack(self.free_head.load(Ordering::Relaxed));
        loop {
            // `Relaxed`: published by the `Release` CAS below.
            slot.next_free.store(head.index, Ordering::Relaxed);
            // `Release` on success: a popper that `Acquire`s this head sees
            // `next_free` and everything the freeing thread did before.
            match self.free_head.compare_exchange_weak(
                head.pack(),
                head.with_top(index.as_u32()).pack(),
                Ordering::Release,
                Ordering::Relaxed,
            ) {
                Ok(_) => break,
                Err(actual) => head = FreeHead::unpack(actual),
            }
        }
        // `Relaxed`: statistics only.
        self.free_count.fetch_add(1, Ordering::Relaxed);
        trace!("freed {index:?}");
    }

    fn pop_free(&self) -> Option<SharedTypeIndex> {
        // `Acquire`: pairs with the `Release` push that installed this head,
        // so `next_free` below is the value that push wrote.
        let mut head = FreeHead::unpack(self.free_head.load(Ordering::Acquire));
        loop {
            if head.index == NONE {
                return None;
            }
            let slot = self.get(SharedTypeIndex::from_u32(head.index))?;
            // May be stale if another thread popped `head.index` meanwhile
            // and pushed it back; the tag then differs and the CAS fails.
            let next = slot.next_free.load(Ordering::Relaxed);
            // `Acquire` on success and failure: the next iteration (or the
            // caller, who now owns the slot) must see the pusher's writes.
            match self.free_head.compare_exchange_weak(
                head.pack(),
                head.with_top(next).pack(),
                Ordering::Acquire,
                Ordering::Acquire,
            ) {
                Ok(_) => {
                    // `Relaxed`: statistics only.
                    self.free_count.fetch_sub(1, Ordering::Relaxed);
                    return Some(SharedTypeIndex::from_u32(head.index));
                }
                Err(actual) => head = FreeHead::unpack(actual),
            }
        }
    }

    /// Makes sure segment `segment` is allocated.
    fn ensure_segment(&self, segment: usize) {
        let cell = &self.segments[segment];
        // `Acquire`: if it is there, we will hand out pointers into it.
        if !cell.load(Ordering::Acquire).is_null() {
            return;
        }
        let fresh: Box<[Slot]> = (0..segment_len(segment)).map(|_| Slot::empty()).collect();
        let fresh = Box::into_raw(fresh) as *mut Slot;
        // `AcqRel`: `Release` publishes the initialized slots; `Acquire` on
        // failure is for symmetry with readers (we only free our own copy).
        if cell.compare_exchange(std::ptr::null_mut(), fresh, Ordering::AcqRel, Ordering::Acquire).is_err() {
            // SAFETY: `fresh` came from `Box::into_raw` of a boxed slice of
            // exactly `segment_len(segment)` slots just above and was never
            // shared: the CAS that would have published it failed.
            drop(unsafe { Box::from_raw(std::ptr::slice_from_raw_parts_mut(fresh, segment_len(segment))) });
        }
    }

    /// How many distinct indices were ever handed out (the high-water mark).
    pub(crate) fn capacity_used(&self) -> usize {
        // `Relaxed`: statistics only.
        self.next_unused.load(Ordering::Relaxed).min(u64::from(MAX_INDICES)) as usize
    }

    /// How many indices are on the free list.
    pub(crate) fn free_len(&self) -> usize {
        // `Relaxed`: statistics only.
        self.free_count.load(Ordering::Relaxed)
    }
}

impl Drop for SlotTable {
    fn drop(&mut self) {
        for (segment, cell) in self.segments.iter_mut().enumerate() {
            // `Relaxed`: `&mut self` means every other thread is done with
            // the table (the last `Arc` on the registry was dropped).
            let base = cell.load(Ordering::Relaxed);
            if !base.is_null() {
                // SAFETY: a non-null segment pointer came from `Box::into_raw`
                // of a boxed slice of `segment_len(segment)` slots in
                // `ensure_segment`; `&mut self` means no reader remains.
                drop(unsafe { Box::from_raw(std::ptr::slice_from_raw_parts_mut(base, segment_len(segment))) });
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

    #[test]
    fn freed_indices_are_reused_last_in_first_out() {
        let table = SlotTable::new();
        let a = table.allocate().unwrap();
        let b = table.allocate().unwrap();
        assert_ne!(a, b);
        table.free(a);
        table.free(b);
        assert_eq!(table.free_len(), 2);
        assert_eq!(table.allocate().unwrap(), b);
        assert_eq!(table.allocate().unwrap(), a);
        assert_eq!(table.free_len(), 0);
        assert_eq!(table.capacity_used(), 2);
    }

    #[test]
    fn indices_never_allocated_have_no_slot() {
        let table = SlotTable::new();
        assert!(table.get(SharedTypeIndex::from_u32(0)).is_none());
        let a = table.allocate().unwrap();
        assert!(table.get(a).is_some());
        assert!(table.get(SharedTypeIndex::from_u32(u32::MAX)).is_none());
    }
}

/// White-box loom models of the free list and the segment table, whose races
/// the public API reaches only through long registrations.
#[cfg(all(test, loom))]
mod loom_tests {
    use loom::thread;

    use super::*;
    use crate::sync::run_model;

    /// Every index ever handed out is exactly once live or free.
    #[track_caller]
    fn assert_each_index_once(table: &SlotTable, mut live: Vec<SharedTypeIndex>) {
        while let Some(free) = table.pop_free() {
            live.push(free);
        }
        live.sort();
        let all: Vec<_> = (0..table.capacity_used() as u32).map(SharedTypeIndex::from_u32).collect();
        assert_eq!(live, all, "an index is both live and free, or lost");
    }

    /// The ABA race on the free list's head: a pop reads the head and its
    /// `next_free`, and before its compare-and-swap another thread pops that
    /// head, pops the next one and pushes the first back. Same top index, a
    /// different `next`: only the tag makes the stale pop fail.
    #[test]
    fn free_list_pop_survives_aba() {
        run_model(|| {
            let table = Arc::new(SlotTable::new());
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
            let table = Arc::new(SlotTable::new());
            let mark = |table: &SlotTable, index: SharedTypeIndex, depth: u8| {
                // `Relaxed`: the join below orders it before the check.
                table.get(index).unwrap().depth.store(depth, Ordering::Relaxed);
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
                // `Relaxed`: after the join.
                let seen = table.get(index).unwrap().depth.load(Ordering::Relaxed);
                assert_eq!(seen, depth, "{index:?}'s slot was lost with a segment");
            }
            assert_each_index_once(&table, vec![mine, theirs]);
        });
    }
}
