//! The real epoch-based reclamation (`--cfg loom` swaps in
//! [`model`](super)'s stand-ins): a [`Reclaimer`] per registry over its own
//! `crossbeam_epoch::Collector`, and the [`Guard`] a pin gives.

use std::cell::RefCell;
use std::rc::Rc;

use crossbeam_epoch as epoch;

use super::set_aside::SetAside;
use super::{Arc, AtomicUsize, Ordering};

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
        let shared = Shared { pending: AtomicUsize::new(0), set_aside: SetAside::new() };
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
    /// [`OwnerCell::retire_all`](super::OwnerCell::retire_all)); how many it dropped. Lock-free.
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

impl Guard<'_> {
    /// Drops the reference `ptr` once every guard pinned now has been
    /// dropped. `ptr` must be a reference from `Arc::into_raw` that the
    /// caller owns and that no cell holds any longer.
    pub(super) fn defer_drop<T: Send + Sync + 'static>(&self, ptr: *const T, heavy: bool) {
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
