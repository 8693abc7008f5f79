//! Running one prepared workload on several threads at once.

use std::sync::Barrier;
use std::time::Duration;

/// The thread counts every workload is measured at. The development
/// machine has 2 cores: 4 and 8 threads are oversubscribed there.
pub const THREAD_COUNTS: [usize; 4] = [1, 2, 4, 8];

/// The most threads a prepared workload supports: 16, for the many-core
/// run (`compare --threads 1,2,4,8,16`, scripts/bench-cores.sh). Each
/// thread gets its own prepared data (disjoint types, modules), made once.
pub const MAX_THREADS: usize = 16;

/// Runs `iters` iterations on thread number `thread` and returns the time
/// that thread measured (its whole loop, or only the timed part of each
/// iteration where set-up and tear-down are excluded).
pub type ThreadRun = dyn Fn(usize, u64) -> Duration + Send + Sync;

/// A workload set up on one comparator, ready to be measured at any thread
/// count up to [`MAX_THREADS`].
pub struct Prepared {
    /// Elements (operations, or types for module registration) one thread
    /// handles per iteration.
    pub elements_per_iter: u64,
    /// Whether a single iteration takes milliseconds (module registration):
    /// criterion then samples flat instead of linearly.
    pub long_iterations: bool,
    run: Box<ThreadRun>,
}

impl Prepared {
    /// A prepared workload.
    pub fn new(elements_per_iter: u64, long_iterations: bool, run: Box<ThreadRun>) -> Self {
        Prepared { elements_per_iter, long_iterations, run }
    }

    /// Starts `threads` threads, releases them together through a barrier,
    /// has each run `iters` iterations, and returns the longest time any of
    /// them measured: the wall time of the aggregate `threads * iters`
    /// iterations (as criterion's `iter_custom` expects).
    pub fn measure(&self, threads: usize, iters: u64) -> Duration {
        assert!((1..=MAX_THREADS).contains(&threads), "{threads} threads");
        let barrier = Barrier::new(threads);
        std::thread::scope(|s| {
            let handles: Vec<_> = (0..threads)
                .map(|t| {
                    let barrier = &barrier;
                    let run = &self.run;
                    s.spawn(move || {
                        barrier.wait();
                        run(t, iters)
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().expect("benchmark thread panicked")).max().unwrap_or_default()
        })
    }
}
