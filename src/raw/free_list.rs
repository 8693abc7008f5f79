//! The free lists of the index table: indices of unregistered types, ready
//! for reuse.
//!
//! # Synchronization
//! Free indices sit on [`FREE_LISTS`] lists. Each is a Treiber stack threaded
//! through a per-slot link (the table's `next_free`, handed in by the
//! caller), whose head packs the top index with a tag that every push and pop
//! increments ([`FreeHead`]), so a pop that read a stale link fails its
//! `compare_exchange` instead of corrupting the list (the ABA problem).
//! Pushes are `Release` and pops `Acquire`, so the popper sees the link as
//! the pusher wrote it, and everything the freeing thread did to the slot
//! (retiring its contents) happens before the new owner writes it. A thread
//! frees onto and allocates from its own list first ([`home_list`]) and
//! takes from the others only when that is empty: threads that register and
//! unregister concurrently do not take turns on one head's cache line. Which
//! list an index is on never matters for correctness.
//!
//! Each list counts its indices (`Relaxed`, statistics and `len`). A pop can
//! overtake the count increment of the push it undoes, so one list's count
//! may dip below zero for a moment: counts wrap, and only their sum means
//! anything.

use crate::raw::sync::{AtomicU32, AtomicU64, AtomicUsize, Ordering};

/// Not a valid index: marks the end of a free list.
pub(crate) const NONE: u32 = u32::MAX;

/// How many free lists a table keeps.
pub(crate) const FREE_LISTS: usize = 8;

/// A free list's head: the top index and an ABA tag, packed in one word.
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

/// [`FREE_LISTS`] Treiber stacks of indices.
pub(crate) struct FreeLists {
    lists: [FreeList; FREE_LISTS],
}

impl FreeLists {
    pub(crate) fn new() -> Self {
        FreeLists {
            lists: std::array::from_fn(|_| FreeList {
                head: AtomicU64::new(FreeHead::EMPTY.pack()),
                count: AtomicUsize::new(0),
            }),
        }
    }

    /// Pushes `index` onto this thread's list; `next_free` is the index's
    /// own link. The caller must have emptied the index's slot.
    pub(crate) fn push(&self, index: u32, next_free: &AtomicU32) {
        let list = &self.lists[home_list()];
        // `Relaxed`: this load only seeds the CAS loop, which re-checks it.
        let mut head = FreeHead::unpack(list.head.load(Ordering::Relaxed));
        loop {
            // `Relaxed`: published by the `Release` CAS below.
            next_free.store(head.index, Ordering::Relaxed);
            // `Release` on success: a popper that `Acquire`s this head sees
            // `next_free` and everything the freeing thread did before.
            match list.head.compare_exchange_weak(
                head.pack(),
                head.with_top(index).pack(),
                Ordering::Release,
                Ordering::Relaxed,
            ) {
                Ok(_) => break,
                Err(actual) => head = FreeHead::unpack(actual),
            }
        }
        // `Relaxed`: a count (see the module docs), it orders nothing.
        list.count.fetch_add(1, Ordering::Relaxed);
    }

    /// Pops an index, from this thread's list first; `next_free_of` finds
    /// an index's link.
    pub(crate) fn pop<'t>(&self, next_free_of: impl Fn(u32) -> Option<&'t AtomicU32>) -> Option<u32> {
        let home = home_list();
        (0..FREE_LISTS).find_map(|k| self.pop_from(&self.lists[(home + k) % FREE_LISTS], &next_free_of))
    }

    fn pop_from<'t>(&self, list: &FreeList, next_free_of: &impl Fn(u32) -> Option<&'t AtomicU32>) -> Option<u32> {
        // `Acquire`: pairs with the `Release` push that installed this head,
        // so `next_free` below is the value that push wrote.
        let mut head = FreeHead::unpack(list.head.load(Ordering::Acquire));
        loop {
            if head.index == NONE {
                return None;
            }
            // May be stale if another thread popped `head.index` meanwhile
            // and pushed it back; the tag then differs and the CAS fails.
            let next = next_free_of(head.index)?.load(Ordering::Relaxed);
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
                    return Some(head.index);
                }
                Err(actual) => head = FreeHead::unpack(actual),
            }
        }
    }

    /// How many indices are on the lists, wrapping: exact when nothing is
    /// being pushed or popped (see the module docs).
    pub(crate) fn wrapping_len(&self) -> usize {
        // `Relaxed`: counts.
        self.lists.iter().fold(0usize, |sum, list| sum.wrapping_add(list.count.load(Ordering::Relaxed)))
    }
}
