//! A global allocator that counts live heap bytes, for the memory figures.
//!
//! A benchmark binary installs it with `#[global_allocator]`; counting is
//! off until [`CountingAllocator::measure`] turns it on, so throughput
//! workloads pay one relaxed load of a flag no thread writes while they
//! run, and no shared counter.
//!
//! # Synchronization
//! [`ENABLED`] and [`LIVE`] are the only shared state. `measure` runs its
//! closure on the calling thread while no other thread allocates (the
//! caller's promise: the memory figures are taken between the threaded
//! workloads), so every allocation and deallocation it counts is its own;
//! `Relaxed` suffices for both, as no other memory is published through
//! them.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicIsize, Ordering};

/// Whether allocations are being counted.
static ENABLED: AtomicBool = AtomicBool::new(false);
/// Bytes allocated minus bytes freed while counting.
static LIVE: AtomicIsize = AtomicIsize::new(0);

/// The system allocator, counting requested bytes while enabled.
pub struct CountingAllocator;

impl CountingAllocator {
    fn add(bytes: isize) {
        // `Relaxed`: see the module's synchronization note.
        if ENABLED.load(Ordering::Relaxed) {
            LIVE.fetch_add(bytes, Ordering::Relaxed);
        }
    }

    /// Runs `f` with counting on and returns its result and a reader of the
    /// live-byte balance since `f` started (call it inside `f` to take a
    /// reading). Returns `None` as the reader's value where this allocator
    /// is not the global allocator of the running binary.
    pub fn measure<T>(f: impl FnOnce(&dyn Fn() -> isize) -> T) -> Option<T> {
        // `Relaxed`: see the module's synchronization note.
        ENABLED.store(true, Ordering::Relaxed);
        let start = LIVE.load(Ordering::Relaxed);
        let probe = std::hint::black_box(Box::new([0u8; 64]));
        let installed = LIVE.load(Ordering::Relaxed) != start;
        drop(probe);
        let start = LIVE.load(Ordering::Relaxed);
        let result = installed.then(|| f(&|| LIVE.load(Ordering::Relaxed) - start));
        ENABLED.store(false, Ordering::Relaxed);
        result
    }
}

// SAFETY: every method forwards to `System` with the caller's arguments
// unchanged, so `System`'s guarantees are the caller's; the counting beside
// it neither allocates nor touches the memory.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded unchanged; the caller upholds `alloc`'s contract.
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            Self::add(layout.size() as isize);
        }
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded unchanged; the caller upholds `alloc_zeroed`'s contract.
        let ptr = unsafe { System.alloc_zeroed(layout) };
        if !ptr.is_null() {
            Self::add(layout.size() as isize);
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged; `ptr` came from this allocator, i.e.
        // from `System`, with `layout`.
        unsafe { System.dealloc(ptr, layout) };
        Self::add(-(layout.size() as isize));
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded unchanged; `ptr` came from `System` with
        // `layout`, and the caller upholds `realloc`'s other conditions.
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            Self::add(new_size as isize - layout.size() as isize);
        }
        new
    }
}
