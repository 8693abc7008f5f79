//! The collector behind the stand-in [`Reclaimer`](super::Reclaimer): the
//! model's own epoch-stamped one, or (with `--cfg crossbeam_loom`) the real
//! crossbeam-epoch built against loom.

/// The stand-in collector: epoch-stamped garbage, destroyed once every
/// guard pinned at or before its retirement has unpinned. One per registry,
/// as the real one.
#[cfg(not(crossbeam_loom))]
mod stand_in {
    use std::cell::RefCell;

    use loom::sync::Mutex;

    use super::super::Retired;

    struct State {
        /// Advanced by every retirement; a thread records it when it pins.
        epoch: u64,
        /// The epoch each pinned thread pinned at (`None`: a free record).
        pinned: Vec<Option<u64>>,
        /// Retired values not yet destroyed, with the epoch they were retired
        /// in.
        garbage: Vec<(u64, Box<dyn Retired>)>,
        /// Destroyed values whose memory is kept until the collector is
        /// dropped, so a late access still finds the `alive` flag.
        graveyard: Vec<Box<dyn Retired>>,
    }

    pub(in crate::raw::sync) struct Collector {
        state: Mutex<State>,
    }

    loom::thread_local! {
        /// This thread's pins: (collector, record, nesting depth), like
        /// crossbeam's per-thread guard count: a nested pin touches no
        /// shared state.
        static LOCAL: RefCell<Vec<(usize, usize, usize)>> = RefCell::new(Vec::new());
    }

    /// This thread's pin of one collector (one per guard; nested pins share
    /// a record).
    pub(in crate::raw::sync) struct Pin<'r> {
        collector: &'r Collector,
    }

    impl Collector {
        pub(in crate::raw::sync) fn new() -> Self {
            Collector {
                state: Mutex::new(State { epoch: 0, pinned: Vec::new(), garbage: Vec::new(), graveyard: Vec::new() }),
            }
        }

        /// Tells this collector's pins apart in `LOCAL`: it does not move
        /// while pinned, since pins borrow it.
        fn id(&self) -> usize {
            self as *const Collector as usize
        }

        pub(in crate::raw::sync) fn pin(&self) -> Pin<'_> {
            let id = self.id();
            LOCAL.with(|local| {
                let mut local = local.borrow_mut();
                if let Some(entry) = local.iter_mut().find(|(c, _, _)| *c == id) {
                    entry.2 += 1;
                    return;
                }
                let mut state = self.state.lock().unwrap();
                let epoch = state.epoch;
                let record = match state.pinned.iter().position(Option::is_none) {
                    Some(free) => {
                        state.pinned[free] = Some(epoch);
                        free
                    }
                    None => {
                        state.pinned.push(Some(epoch));
                        state.pinned.len() - 1
                    }
                };
                drop(state);
                local.push((id, record, 1));
            });
            Pin { collector: self }
        }

        pub(in crate::raw::sync) fn pending(&self) -> usize {
            self.state.lock().unwrap().garbage.len()
        }
    }

    impl Pin<'_> {
        /// Defers destroying `garbage` until no guard that could have loaded
        /// it is pinned. The caller unlinked it before calling.
        pub(in crate::raw::sync) fn retire(&self, garbage: Box<dyn Retired>) {
            let mut state = self.collector.state.lock().unwrap();
            let epoch = state.epoch;
            state.garbage.push((epoch, garbage));
            // Threads that pin from now on cannot reach the unlinked value:
            // the unlinking swap happens before this critical section, which
            // happens before theirs.
            state.epoch += 1;
            state.collect();
        }

        /// A collection step (the stand-in has no per-thread bags).
        pub(in crate::raw::sync) fn flush(&self) {
            self.collector.state.lock().unwrap().collect();
        }
    }

    impl Drop for Pin<'_> {
        fn drop(&mut self) {
            let id = self.collector.id();
            let record = LOCAL.with(|local| {
                let mut local = local.borrow_mut();
                let Some(at) = local.iter().position(|(c, _, _)| *c == id) else {
                    unreachable!("unpinned a thread that is not pinned")
                };
                local[at].2 -= 1;
                (local[at].2 == 0).then(|| local.remove(at).1)
            });
            if let Some(record) = record {
                let mut state = self.collector.state.lock().unwrap();
                state.pinned[record] = None;
                state.collect();
            }
        }
    }

    impl State {
        /// Destroys the garbage retired before every pinned thread pinned.
        fn collect(&mut self) {
            let oldest_pin = self.pinned.iter().flatten().copied().min().unwrap_or(u64::MAX);
            let (ready, waiting) = std::mem::take(&mut self.garbage).into_iter().partition(|(e, _)| *e < oldest_pin);
            self.garbage = waiting;
            for (_, retired) in ready {
                retired.destroy();
                self.graveyard.push(retired);
            }
        }
    }

    impl Drop for Collector {
        fn drop(&mut self) {
            let state = self.state.get_mut().unwrap();
            // Unwinding from a failed model leaves guards behind; a second
            // panic would abort the test binary and hide the first.
            debug_assert!(
                std::thread::panicking() || state.pinned.iter().all(Option::is_none),
                "a guard outlived its registry"
            );
            for (_, retired) in state.garbage.drain(..) {
                retired.destroy();
            }
        }
    }
}

#[cfg(not(crossbeam_loom))]
pub(in crate::raw::sync) use stand_in::*;

/// The real crossbeam-epoch collector, built against loom
/// (`--cfg crossbeam_loom`): its *default* (process-wide) collector, not one
/// per registry. With a `Collector` per registry built for loom, the deeper
/// model's garbage was still pending after ten flushes with every other
/// thread joined, which we have not explained (the real collector per
/// registry frees it: `tests/reclamation.rs`, `raw::sync::tests`); what this
/// model checks is crossbeam's destruction timing against the husks, which
/// does not depend on which collector holds the garbage.
#[cfg(crossbeam_loom)]
mod crossbeam {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    use super::super::Retired;

    pub(in crate::raw::sync) struct Collector {
        /// Retired values not yet destroyed (a plain std counter: a
        /// statistic, outside the model).
        pending: Arc<AtomicUsize>,
    }

    pub(in crate::raw::sync) struct Pin<'r> {
        guard: crossbeam_epoch::Guard,
        pending: &'r Arc<AtomicUsize>,
    }

    impl Collector {
        pub(in crate::raw::sync) fn new() -> Self {
            Collector { pending: Arc::new(AtomicUsize::new(0)) }
        }

        pub(in crate::raw::sync) fn pin(&self) -> Pin<'_> {
            Pin { guard: crossbeam_epoch::pin(), pending: &self.pending }
        }

        pub(in crate::raw::sync) fn pending(&self) -> usize {
            self.pending.load(Ordering::Relaxed)
        }
    }

    impl Pin<'_> {
        /// `defer_destroy`'s timing, with the husk bookkeeping: destroys the
        /// value once every guard pinned before now is gone. The husk memory
        /// is leaked so that a late access still finds the `alive` flag.
        pub(in crate::raw::sync) fn retire(&self, garbage: Box<dyn Retired>) {
            let pending = self.pending.clone();
            pending.fetch_add(1, Ordering::Relaxed);
            // SAFETY: the closure owns `garbage` and the counter and touches
            // nothing else, so it may run on any thread at any later time;
            // the caller unlinked the value before retiring it.
            unsafe {
                self.guard.defer_unchecked(move || {
                    garbage.destroy();
                    std::mem::forget(garbage);
                    pending.fetch_sub(1, Ordering::Relaxed);
                })
            };
        }

        pub(in crate::raw::sync) fn flush(&self) {
            self.guard.flush();
        }
    }
}

#[cfg(crossbeam_loom)]
pub(in crate::raw::sync) use crossbeam::*;
