//! The epoch collector every registry of the process pins (`--cfg loom`
//! swaps in [`model`](super)'s stand-in): one `crossbeam_epoch::Collector`
//! of this crate's own, not crossbeam's process-wide default, so that no
//! other library's pins hold back the registry's reclamation.
//!
//! The collector decides only *when* retired memory may be freed; it never
//! frees a rec group itself. What is deferred through it is the setting of
//! a flag ([`Pin::defer`]), and the registry's [`Reclaimer`](super::Reclaimer)
//! frees a batch of groups once its flag is set, in a call that may pay
//! for it. So a collection step, which crossbeam runs inside any pin, costs
//! the pinning thread a few flag stores and never a group's destructor.
//!
//! # Synchronization
//! What crossbeam-epoch promises, and all this module relies on: a function
//! given to `Guard::defer` runs only after every thread that was pinned
//! when it was deferred has unpinned, so that a value unlinked before the
//! call may be destroyed by it (crossbeam's `defer_destroy` contract).
//! A non-nested pin issues a `SeqCst` fence; a nested pin (a thread already
//! pinned) issues none and orders nothing (see `docs/design.md`, "Readers
//! and memory orderings").

use std::sync::OnceLock;

use crossbeam_epoch as epoch;

/// The crate's one collector.
static COLLECTOR: OnceLock<epoch::Collector> = OnceLock::new();

fn collector() -> &'static epoch::Collector {
    COLLECTOR.get_or_init(epoch::Collector::new)
}

std::thread_local! {
    /// This thread's handle on the crate's collector: one per thread, for
    /// every registry, so a thread that uses many registries pins each
    /// exactly as cheaply as one.
    static HANDLE: epoch::LocalHandle = collector().register();
}

/// A handle on the crate's collector; every registry holds one.
pub(crate) struct Collector;

impl Collector {
    pub(crate) fn new() -> Self {
        Collector
    }

    /// Pins the current thread: memory unlinked after this call stays
    /// allocated until the pin is dropped. Cheap when the thread is pinned
    /// already (a nested pin). While the thread's locals are being
    /// destroyed, a handle of its own serves this one pin.
    #[inline]
    pub(crate) fn pin(&self) -> Pin {
        let guard = HANDLE.try_with(epoch::LocalHandle::pin).unwrap_or_else(|_| collector().register().pin());
        Pin { guard }
    }
}

/// This thread's pin in the crate's collector.
pub(crate) struct Pin {
    guard: epoch::Guard,
}

impl Pin {
    /// Runs `f` once every thread pinned now has unpinned (on whichever
    /// thread collects then). `f` must be short and touch nothing that can
    /// block: it runs inside another call's collection step.
    pub(crate) fn defer(&self, f: impl FnOnce() + Send + 'static) {
        self.guard.defer(f);
    }

    /// Hands this thread's deferred functions to the collector's shared
    /// queue, where any thread's collection reaches them, and runs one
    /// bounded collection step (crossbeam-epoch's).
    pub(crate) fn flush(&self) {
        self.guard.flush();
    }
}

/// Proof that the current thread is pinned: values loaded from an
/// [`OwnerCell`](super::OwnerCell) under it stay allocated until it is
/// dropped. `'r` is the registry whose reclaimer gave it.
pub(crate) struct Guard<'r> {
    _pin: Pin,
    registry: std::marker::PhantomData<&'r ()>,
}

impl Guard<'_> {
    pub(super) fn new(pin: Pin) -> Self {
        Guard { _pin: pin, registry: std::marker::PhantomData }
    }
}
