//! The collector behind the stand-in [`Guard`](super::Guard): the model's own
//! epoch-stamped one, or (with `--cfg crossbeam_loom`) the real
//! crossbeam-epoch built against loom. Both give what the real
//! [`Collector`](crate::raw::sync::Reclaimer)'s callers rely on: a deferred
//! function runs only after every thread pinned when it was deferred has
//! unpinned.

/// The stand-in collector: epoch-stamped deferred functions, run once every
/// guard pinned at or before their deferral has unpinned. One per registry
/// (the real one is shared by the process's registries; a model has one
/// registry).
#[cfg(not(crossbeam_loom))]
mod stand_in {
    use std::cell::RefCell;

    use loom::sync::Mutex;

    struct State {
        /// Advanced by every deferral; a thread records it when it pins.
        epoch: u64,
        /// The epoch each pinned thread pinned at (`None`: a free record).
        pinned: Vec<Option<u64>>,
        /// Deferred functions not yet run, with the epoch of their deferral.
        deferred: Vec<(u64, Box<dyn FnOnce() + Send>)>,
    }

    pub(crate) struct Collector {
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
    pub(crate) struct Pin<'r> {
        collector: &'r Collector,
    }

    impl Collector {
        pub(crate) fn new() -> Self {
            Collector { state: Mutex::new(State { epoch: 0, pinned: Vec::new(), deferred: Vec::new() }) }
        }

        /// Tells this collector's pins apart in `LOCAL`: it does not move
        /// while pinned, since pins borrow it.
        fn id(&self) -> usize {
            self as *const Collector as usize
        }

        pub(crate) fn pin(&self) -> Pin<'_> {
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
    }

    impl Pin<'_> {
        /// Runs `f` once no guard pinned now is left. The caller unlinked
        /// whatever `f` stands for before calling.
        pub(crate) fn defer(&self, f: impl FnOnce() + Send + 'static) {
            let ready = {
                let mut state = self.collector.state.lock().unwrap();
                let epoch = state.epoch;
                state.deferred.push((epoch, Box::new(f)));
                // Threads that pin from now on cannot reach what was
                // unlinked: the unlinking happens before this critical
                // section, which happens before theirs.
                state.epoch += 1;
                state.ready()
            };
            ready.into_iter().for_each(|f| f());
        }

        /// A collection step (the stand-in has no per-thread bags).
        pub(crate) fn flush(&self) {
            let ready = self.collector.state.lock().unwrap().ready();
            ready.into_iter().for_each(|f| f());
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
                let ready = {
                    let mut state = self.collector.state.lock().unwrap();
                    state.pinned[record] = None;
                    state.ready()
                };
                ready.into_iter().for_each(|f| f());
            }
        }
    }

    impl State {
        /// Takes the functions deferred before every pinned thread pinned;
        /// the caller runs them after releasing the lock, as crossbeam runs
        /// deferred functions outside any lock of its own.
        fn ready(&mut self) -> Vec<Box<dyn FnOnce() + Send>> {
            let oldest_pin = self.pinned.iter().flatten().copied().min().unwrap_or(u64::MAX);
            let (ready, waiting): (Vec<_>, Vec<_>) =
                std::mem::take(&mut self.deferred).into_iter().partition(|(e, _)| *e < oldest_pin);
            self.deferred = waiting;
            ready.into_iter().map(|(_, f)| f).collect()
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
        }
    }
}

#[cfg(not(crossbeam_loom))]
pub(crate) use stand_in::*;

/// The real crossbeam-epoch collector, built against loom
/// (`--cfg crossbeam_loom`): its *default* (process-wide) collector, as the
/// crate's own collector is one for the process.
#[cfg(crossbeam_loom)]
mod crossbeam {
    pub(crate) struct Collector;

    pub(crate) struct Pin<'r> {
        guard: crossbeam_epoch::Guard,
        collector: std::marker::PhantomData<&'r Collector>,
    }

    impl Collector {
        pub(crate) fn new() -> Self {
            Collector
        }

        pub(crate) fn pin(&self) -> Pin<'_> {
            Pin { guard: crossbeam_epoch::pin(), collector: std::marker::PhantomData }
        }
    }

    impl Pin<'_> {
        pub(crate) fn defer(&self, f: impl FnOnce() + Send + 'static) {
            self.guard.defer(f);
        }

        pub(crate) fn flush(&self) {
            self.guard.flush();
        }
    }
}

#[cfg(crossbeam_loom)]
pub(crate) use crossbeam::*;
