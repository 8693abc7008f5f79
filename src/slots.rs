//! The index table: one slot per [`SharedTypeIndex`], and the free list that
//! lets unregistered indices be reused.
//!
//! # Type-stable memory
//! Slots live in segments that are allocated on demand and never freed or
//! moved while the table lives: segment `k` holds `BASE << k` slots, so `SEGMENTS`
//! (28) segments cover the whole `u32` index space and an index maps to the same
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
//! - Free indices sit on [`FREE_LISTS`] free lists. Each is a Treiber stack
//!   threaded through `Slot::next_free`, whose head packs the top index with
//!   a tag that every push and pop increments ([`FreeHead`]), so a pop that
//!   read a stale `next_free` fails its `compare_exchange` instead of
//!   corrupting the list (the ABA problem). Pushes are `Release` and pops
//!   `Acquire`, so the popper sees `next_free` as the pusher wrote it, and
//!   everything the freeing thread did to the slot (retiring its payload)
//!   happens before the new owner writes it. A thread frees onto and
//!   allocates from its own list first ([`home_list`]) and takes from the
//!   others only when that is empty: threads that register and unregister
//!   concurrently do not take turns on one head's cache line. Which list an
//!   index is on never matters for correctness.
//! - Each list counts its indices (`Relaxed`, statistics and `len`). A pop
//!   can overtake the count increment of the push it undoes, so one list's
//!   count may dip below zero for a moment: counts wrap, and only their sum
//!   means anything.

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
    /// The type in runtime form (every reference a shared index): the
    /// entry's own `Arc`, repeated here so that `borrow` reaches it without
    /// going through the entry.
    pub(crate) sub_type: Arc<SubType>,
    /// The rec group that owns this index (and holds the type);
    /// `RegisteredType::root` increments its registration count.
    pub(crate) entry: Arc<RecGroupEntry>,
    /// The type's position in its group.
    pub(crate) position: u32,
    /// The type's trampoline type: itself, or a registered trampoline type
    /// that `entry` holds a registration on.
    pub(crate) trampoline: SharedTypeIndex,
}

/// The declared supertypes of a type deeper than [`DISPLAY_LEN`], outermost
/// first: `chain[d]` is its ancestor at depth `d`, and `chain.len()` is its
/// own depth. Shallower types need none: their display holds the whole
/// chain.
pub(crate) struct SupertypeChain(pub(crate) Box<[SharedTypeIndex]>);

/// How many ancestors each type keeps in the display.
///
/// Real hierarchies are shallow (dart2wasm's deepest chain is 9), so the
/// display answers nearly every `is_subtype` with plain loads. The idea is
/// HotSpot's "primary supers" display (Click and Rose, *Fast subtype
/// checking in the HotSpot JVM*, 2002); deeper ancestors are read from the
/// published [`SupertypeChain`].
pub(crate) const DISPLAY_LEN: usize = 10;

/// What each slot holds besides its supertype display: its payload, the
/// chain of a deep type, and its free-list link.
struct Slot {
    /// Read by `borrow`, `root` and `trampoline_type`.
    payload: RetiringCell<TypePayload>,
    /// The whole supertype chain of a type deeper than `DISPLAY_LEN`,
    /// published through arc-swap; read by `is_subtype` for ancestors at
    /// depth `DISPLAY_LEN` or more. Empty for shallower types, so that
    /// registering and unregistering them touches no arc-swap.
    supertypes: PublishedCell<SupertypeChain>,
    /// The next free index while this slot is on the free list.
    next_free: AtomicU32,
}

/// `segment_len` slots, stored column by column.
///
/// `is_subtype(sub, sup)` reads `sup`'s depth `d`, `sub`'s depth, and
/// `sub`'s ancestor at depth `d`. Stored per slot, those would be two cache
/// lines of 64-byte slots per check, and a hierarchy of a few thousand types
/// would not fit in the L1 cache. Stored as columns, the depths of 64 types
/// share a line and the depth-`d` ancestors of 16, so a check over thousands
/// of types mostly hits L1, like the same check on a plain vector of
/// supertype arrays.
///
/// # Synchronization of the supertype columns
/// `depths` and `display` are written (`Relaxed`) by the thread that fills
/// the slot, before the index is handed to anyone: the payload's `Release`
/// publication, the shard lock of the hash-consing map, or a handle moved to
/// another thread all order those writes before any use of the index. While
/// the type stays registered they do not change, so readers that hold the
/// type read them with `Relaxed` loads and see the right values. A reader
/// that does not hold the type may see values of an earlier or later
/// occupant of the slot: memory-safe (they are atomics in memory that is
/// never freed), merely meaningless, which is what `is_subtype` promises for
/// indices the caller does not keep registered.
struct Segment {
    slots: Box<[Slot]>,
    /// Each slot's depth (its chain's length); 0 while the slot is empty.
    depths: Box<[AtomicU8]>,
    /// `display[d][i]`: slot `i`'s ancestor at depth `d`, for `d` below its
    /// depth; stale beyond it.
    display: [Box<[AtomicU32]>; DISPLAY_LEN],
}

impl Segment {
    fn new(len: usize) -> Self {
        Segment {
            slots: (0..len)
                .map(|_| Slot {
                    payload: RetiringCell::empty(),
                    supertypes: PublishedCell::empty(),
                    next_free: AtomicU32::new(NONE),
                })
                .collect(),
            depths: (0..len).map(|_| AtomicU8::new(0)).collect(),
            display: std::array::from_fn(|_| (0..len).map(|_| AtomicU32::new(NONE)).collect()),
        }
    }
}

/// One entry of the index table: a slot of a segment.
#[derive(Clone, Copy)]
pub(crate) struct SlotRef<'t> {
    segment: &'t Segment,
    offset: usize,
}

impl<'t> SlotRef<'t> {
    fn slot(self) -> &'t Slot {
        &self.segment.slots[self.offset]
    }

    /// The payload cell, read by `borrow`, `root` and `trampoline_type`.
    pub(crate) fn payload(self) -> &'t RetiringCell<TypePayload> {
        &self.slot().payload
    }

    /// Records the supertype chain of the type being published here.
    pub(crate) fn set_supertypes(self, chain: Box<[SharedTypeIndex]>) {
        for (column, ancestor) in self.segment.display.iter().zip(chain.iter()) {
            // `Relaxed`: see `Segment`'s Synchronization section.
            column[self.offset].store(ancestor.as_u32(), Ordering::Relaxed);
        }
        // `Relaxed`: as above. The chain is at most 63 long.
        self.segment.depths[self.offset].store(chain.len() as u8, Ordering::Relaxed);
        if chain.len() > DISPLAY_LEN {
            self.slot().supertypes.store(Some(Arc::new(SupertypeChain(chain))));
        }
    }

    /// Forgets the supertype chain of the type being retired from here.
    pub(crate) fn clear_supertypes(self) {
        // `Relaxed`: readers that still hold the old type misuse the index;
        // they see the old depth or 0, either is memory-safe. Only this
        // thread writes the slot now, so the swap reads the depth it set.
        let depth = usize::from(self.segment.depths[self.offset].swap(0, Ordering::Relaxed));
        if depth > DISPLAY_LEN {
            self.slot().supertypes.store(None);
        }
    }

    /// The type's whole supertype chain, outermost first (for building the
    /// chain of a new subtype, which keeps this type registered).
    pub(crate) fn supertype_chain(self) -> Vec<SharedTypeIndex> {
        let depth = self.depth();
        if depth > DISPLAY_LEN {
            return self.slot().supertypes.with(|chain| chain.map_or_else(Vec::new, |chain| chain.0.to_vec()));
        }
        self.segment.display[..depth]
            .iter()
            // `Relaxed`: see `Segment`'s Synchronization section.
            .map(|column| SharedTypeIndex::from_u32(column[self.offset].load(Ordering::Relaxed)))
            .collect()
    }

    /// The type's depth: how many supertypes it has.
    #[inline]
    pub(crate) fn depth(self) -> usize {
        // `Relaxed`: see `Segment`'s Synchronization section.
        usize::from(self.segment.depths[self.offset].load(Ordering::Relaxed))
    }

    /// Whether the type's ancestor at `depth` is `ancestor`: from the
    /// display for shallow depths, from the published chain for deep ones.
    #[inline]
    pub(crate) fn has_ancestor_at(self, depth: usize, ancestor: SharedTypeIndex) -> bool {
        if depth >= self.depth() {
            return false;
        }
        match self.segment.display.get(depth) {
            // `Relaxed`: see `Segment`'s Synchronization section.
            Some(column) => column[self.offset].load(Ordering::Relaxed) == ancestor.as_u32(),
            None => {
                self.slot().supertypes.with(|chain| chain.is_some_and(|chain| chain.0.get(depth) == Some(&ancestor)))
            }
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

/// How many free lists a table keeps.
pub(crate) const FREE_LISTS: usize = 8;

/// One free list, alone on its cache lines.
#[repr(align(128))]
struct FreeList {
    head: AtomicU64,
    /// Pushes minus pops on this list, wrapping (see the module docs).
    count: AtomicUsize,
}

/// The free list the current thread uses first. Threads are numbered round
/// robin on first use, so the first [`FREE_LISTS`] threads get a list each.
#[cfg(not(loom))]
fn home_list() -> usize {
    // A hint, not synchronization: any value is correct, so it is a plain
    // std atomic outside the `sync` facade (and loom need not model it).
    static NEXT_THREAD: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    std::thread_local! {
        static HOME: std::cell::Cell<usize> = const { std::cell::Cell::new(usize::MAX) };
    }
    HOME.with(|home| {
        if home.get() == usize::MAX {
            // `Relaxed`: only distinct-ish numbers are wanted.
            home.set(NEXT_THREAD.fetch_add(1, std::sync::atomic::Ordering::Relaxed) % FREE_LISTS);
        }
        home.get()
    })
}

/// Under loom every thread starts at list 0: a process-wide thread counter
/// would differ between the executions loom replays, and one shared head is
/// where the free list's races (ABA, push against pop) happen. Taking from
/// the other lists is the same pop on another head.
#[cfg(loom)]
fn home_list() -> usize {
    0
}

/// The table of slots and the free lists of indices.
pub(crate) struct SlotTable {
    segments: [AtomicPtr<Segment>; SEGMENTS],
    /// Indices below this have been handed out at least once. 64 bits so
    /// that failed allocations past the last index cannot wrap it around.
    next_unused: AtomicU64,
    free: [FreeList; FREE_LISTS],
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
            free: std::array::from_fn(|_| FreeList {
                head: AtomicU64::new(FreeHead::EMPTY.pack()),
                count: AtomicUsize::new(0),
            }),
        }
    }

    /// The slot of `index`, or `None` if no index that high was ever handed
    /// out. Lock-free: one `Acquire` load.
    #[inline]
    pub(crate) fn get(&self, index: SharedTypeIndex) -> Option<SlotRef<'_>> {
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
    pub(crate) fn allocate(&self) -> Result<SharedTypeIndex, RegistryError> {
        let home = home_list();
        for k in 0..FREE_LISTS {
            if let Some(index) = self.pop_free(&self.free[(home + k) % FREE_LISTS]) {
                return Ok(index);
            }
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

    /// Puts `index` back on this thread's free list. The caller must have
    /// emptied its slot and must not use the index again.
    pub(crate) fn free(&self, index: SharedTypeIndex) {
        let Some(slot) = self.get(index) else {
            debug_assert!(false, "freeing {index:?}, which was never allocated");
            return;
        };
        let list = &self.free[home_list()];
        // `Relaxed`: this load only seeds the CAS loop, which re-checks it.
        let mut head = FreeHead::unpack(list.head.load(Ordering::Relaxed));
        loop {
            // `Relaxed`: published by the `Release` CAS below.
            slot.slot().next_free.store(head.index, Ordering::Relaxed);
            // `Release` on success: a popper that `Acquire`s this head sees
            // `next_free` and everything the freeing thread did before.
            match list.head.compare_exchange_weak(
                head.pack(),
                head.with_top(index.as_u32()).pack(),
                Ordering::Release,
                Ordering::Relaxed,
            ) {
                Ok(_) => break,
                Err(actual) => head = FreeHead::unpack(actual),
            }
        }
        // `Relaxed`: a count (see the module docs), it orders nothing.
        list.count.fetch_add(1, Ordering::Relaxed);
        trace!("freed {index:?}");
    }

    fn pop_free(&self, list: &FreeList) -> Option<SharedTypeIndex> {
        // `Acquire`: pairs with the `Release` push that installed this head,
        // so `next_free` below is the value that push wrote.
        let mut head = FreeHead::unpack(list.head.load(Ordering::Acquire));
        loop {
            if head.index == NONE {
                return None;
            }
            let slot = self.get(SharedTypeIndex::from_u32(head.index))?;
            // May be stale if another thread popped `head.index` meanwhile
            // and pushed it back; the tag then differs and the CAS fails.
            let next = slot.slot().next_free.load(Ordering::Relaxed);
            // `Acquire` on success and failure: the next iteration (or the
            // caller, who now owns the slot) must see the pusher's writes.
            match list.head.compare_exchange_weak(
                head.pack(),
                head.with_top(next).pack(),
                Ordering::Acquire,
                Ordering::Acquire,
            ) {
                Ok(_) => {
                    // `Relaxed`: a count (see the module docs).
                    list.count.fetch_sub(1, Ordering::Relaxed);
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
        let fresh = Box::into_raw(Box::new(Segment::new(segment_len(segment))));
        // `AcqRel`: `Release` publishes the initialized slots; `Acquire` on
        // failure is for symmetry with readers (we only free our own copy).
        if cell.compare_exchange(std::ptr::null_mut(), fresh, Ordering::AcqRel, Ordering::Acquire).is_err() {
            // SAFETY: `fresh` came from `Box::into_raw` just above and was
            // never shared: the CAS that would have published it failed.
            drop(unsafe { Box::from_raw(fresh) });
        }
    }

    /// How many distinct indices were ever handed out (the high-water mark).
    pub(crate) fn capacity_used(&self) -> usize {
        // `Relaxed`: statistics only.
        self.next_unused.load(Ordering::Relaxed).min(u64::from(MAX_INDICES)) as usize
    }

    /// How many indices are on the free lists.
    pub(crate) fn free_len(&self) -> usize {
        // `Relaxed`: counts; exact when nothing is being allocated or freed.
        let sum = self.free.iter().fold(0usize, |sum, list| sum.wrapping_add(list.count.load(Ordering::Relaxed)));
        // A momentary dip below zero (see the module docs) reads as empty.
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

impl Drop for SlotTable {
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

    #[test]
    fn freed_indices_are_reused_last_in_first_out_and_counted() {
        let table = SlotTable::new();
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
        let table = SlotTable::new();
        let indices: Vec<SharedTypeIndex> = (0..100).map(|_| table.allocate().unwrap()).collect();
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
    fn supertype_chains_round_trip_around_the_display_length() {
        let table = SlotTable::new();
        let slot = table.get(table.allocate().unwrap()).unwrap();
        for depth in [0, 1, DISPLAY_LEN - 1, DISPLAY_LEN, DISPLAY_LEN + 1, 63, 2] {
            let chain: Vec<SharedTypeIndex> = (0..depth as u32).map(|d| SharedTypeIndex::from_u32(1000 + d)).collect();
            slot.set_supertypes(chain.clone().into());
            assert_eq!(slot.depth(), depth);
            assert_eq!(slot.supertype_chain(), chain);
            for d in 0..70 {
                let expected = chain.get(d).copied();
                assert_eq!(slot.has_ancestor_at(d, SharedTypeIndex::from_u32(1000 + d as u32)), expected.is_some());
            }
            slot.clear_supertypes();
            assert_eq!(slot.depth(), 0);
            assert!(slot.supertype_chain().is_empty());
            assert!((0..70).all(|d| !slot.has_ancestor_at(d, SharedTypeIndex::from_u32(1000 + d as u32))));
        }
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
        for list in &table.free {
            while let Some(free) = table.pop_free(list) {
                live.push(free);
            }
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
            // A chain of `depth` ancestors: its writes are `Relaxed`, ordered
            // before the check by the join.
            let mark = |table: &SlotTable, index: SharedTypeIndex, depth: usize| {
                table.get(index).unwrap().set_supertypes(vec![SharedTypeIndex::from_u32(0); depth].into());
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
                let seen = table.get(index).unwrap().depth();
                assert_eq!(seen, depth, "{index:?}'s slot was lost with a segment");
            }
            assert_each_index_once(&table, vec![mine, theirs]);
        });
    }
}
