//! The synchronization facade: every atomic, lock, `Arc`, published cell and
//! reclamation primitive the registry uses passes through this module.
//!
//! The registry logic names only what is defined or re-exported here. Under
//! `--cfg loom` this module swaps the primitives for loom-aware stand-ins with
//! the same semantics, so the model checker sees every synchronizing
//! operation; the rest of the crate does not change. The concurrent building
//! blocks are wrapped in narrow types whose whole surface is what the
//! registry needs:
//!
//! | facade type | real implementation | what it is for |
//! |---|---|---|
//! | [`ShardedSet`] | `dashmap::DashMap<K, (), StoredHash>` | the hash-consing map of rec groups, keyed by their stored hash |
//! | [`PublishedCell`] | `arc_swap::ArcSwapOption` | supertype arrays read by `is_subtype` |
//! | [`OwnerCell`] | `AtomicPtr` from `Arc::into_raw` | each slot's reference to its rec group's entry, read under a [`Guard`] |
//! | [`Collector`], [`Guard`] | one `crossbeam_epoch::Collector` for the crate | pins, and the grace periods of retired batches |
//! | [`Reclaimer`] | per-thread lists of retired values, behind mutexes (the same code under loom) | who frees a retired group, when, and how much one call frees |
//!
//! # Synchronization
//! Each facade type documents the orderings it provides; the callers rely on
//! exactly those and nothing more. `docs/design.md` gives the whole protocol.
//!
//! # Under loom
//! With `--cfg loom` the atomics, `fence`, `Arc` and `Mutex` are loom's, and
//! the wrappers come from the `model` submodule (src/raw/sync/model.rs): a
//! loom `RwLock<HashMap>` per shard, a loom `RwLock<Option<Arc<T>>>`, owner
//! cells whose references live in husks that make a use after free visible
//! to loom, and an epoch-stamped collector per registry. The [`Reclaimer`]
//! is the production code itself. `docs/correctness.md` says why each
//! stand-in is faithful to the real primitive.

#[cfg(not(loom))]
pub(crate) use std::sync::{
    atomic::{fence, AtomicBool, AtomicPtr, AtomicU32, AtomicU64, AtomicUsize, Ordering},
    Arc, Condvar, Mutex, MutexGuard,
};
#[cfg(not(loom))]
pub(crate) use std::{thread::current as current_thread, thread_local};

#[cfg(loom)]
pub(crate) use loom::sync::{
    atomic::{fence, AtomicBool, AtomicPtr, AtomicU32, AtomicU64, AtomicUsize, Ordering},
    Arc, Condvar, Mutex, MutexGuard,
};
#[cfg(loom)]
pub(crate) use loom::{thread::current as current_thread, thread_local};

/// The bytes an [`Arc`] allocation holds besides its value: the strong and
/// weak counts (std's layout, for values aligned to at most a `usize`).
pub(crate) const ARC_HEADER_BYTES: usize = 2 * size_of::<usize>();

#[cfg(loom)]
mod model;

#[cfg(loom)]
pub(crate) use model::*;

#[cfg(not(loom))]
mod collector;
#[cfg(not(loom))]
mod owner_cell;

#[cfg(not(loom))]
pub(crate) use collector::{Collector, Guard, Pin};
#[cfg(not(loom))]
pub(crate) use owner_cell::{Loaded, OwnerCell, Retired};

mod give_up;
mod reclaim;

pub(crate) use give_up::GiveUpCell;
pub(crate) use reclaim::{Reclaimable, Reclaimer, Retiring};

/// What [`ShardedSet::insert_or_reuse`] did.
pub(crate) enum InsertOutcome<K, R> {
    /// An equal element was kept; `try_reuse`'s result and the offered
    /// key are handed back.
    Reused(R, K),
    /// The offered key is in the set; an equal element that `try_reuse`
    /// refused was replaced and is handed back.
    Inserted(Option<K>),
}

/// Runs `model` under loom for every interleaving within the preemption
/// bound (`LOOM_MAX_PREEMPTIONS`, 3 when unset). The registry's own
/// white-box models and the `loom-tests` crate share this.
#[cfg(loom)]
#[doc(hidden)]
pub fn run_model(model: impl Fn() + Sync + Send + 'static) {
    use std::sync::atomic::{AtomicUsize, Ordering};

    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = builder.preemption_bound.or(Some(3));
    // A registration is a few hundred loom operations; the default (1000)
    // cuts a three-thread model short.
    builder.max_branches = builder.max_branches.max(20_000);
    // A plain std counter, outside the model: loom runs every execution on
    // this thread.
    let executions = std::sync::Arc::new(AtomicUsize::new(0));
    let counter = executions.clone();
    let start = std::time::Instant::now();
    builder.check(move || {
        // `Relaxed`: a statistic, read after `check` returns.
        counter.fetch_add(1, Ordering::Relaxed);
        model();
    });
    // libtest names the thread after the test.
    let name = std::thread::current().name().unwrap_or("model").to_owned();
    // `Relaxed`: as above.
    let executions = executions.load(Ordering::Relaxed);
    eprintln!("{name}: {executions} executions in {:.2?}", start.elapsed());
}

#[cfg(not(loom))]
mod real {
    use std::borrow::Borrow;
    use std::hash::Hash;

    use super::{Arc, InsertOutcome};

    /// A cell holding an `Option<Arc<T>>` that readers load without any lock
    /// and without touching the `Arc`'s reference count on the fast path.
    pub(crate) struct PublishedCell<T> {
        cell: arc_swap::ArcSwapOption<T>,
    }

    impl<T> PublishedCell<T> {
        pub(crate) fn empty() -> Self {
            Self { cell: arc_swap::ArcSwapOption::empty() }
        }

        /// Calls `f` with the current value. arc-swap's loads are `Acquire`
        /// with respect to its stores (they are `SeqCst` internally), so the
        /// value's contents are fully visible.
        #[inline]
        pub(crate) fn with<R>(&self, f: impl FnOnce(Option<&T>) -> R) -> R {
            let guard = self.cell.load();
            f(guard.as_deref())
        }

        /// Replaces the value. The old one is dropped once the last reader
        /// that loaded it is done.
        pub(crate) fn store(&self, value: Option<Arc<T>>) {
            self.cell.store(value);
        }
    }

    /// A `Hasher` that passes through the one `u64` a key writes: keys of
    /// a [`ShardedSet`] carry a hash computed once, with the registry's
    /// random seeds (see `canon::GroupHasher`), and are not hashed again.
    #[derive(Default)]
    pub(crate) struct StoredHash(u64);

    impl std::hash::Hasher for StoredHash {
        fn finish(&self) -> u64 {
            self.0
        }

        fn write_u64(&mut self, hash: u64) {
            self.0 = hash;
        }

        /// Not reached by the set's keys; folds the bytes so that any
        /// other key still hashes deterministically.
        fn write(&mut self, bytes: &[u8]) {
            for &byte in bytes {
                self.0 = self.0.rotate_left(8) ^ u64::from(byte);
            }
        }
    }

    /// A concurrent hash set split into independently locked shards. A key's
    /// `Hash` must write one well-mixed `u64` (its stored hash).
    pub(crate) struct ShardedSet<K> {
        map: dashmap::DashMap<K, (), std::hash::BuildHasherDefault<StoredHash>>,
    }

    impl<K: Hash + Eq> ShardedSet<K> {
        pub(crate) fn new() -> Self {
            Self { map: dashmap::DashMap::default() }
        }

        /// Under the shard's *read* lock, finds the element equal to `key`
        /// and returns `f(element)`. The lock is released before returning.
        /// `f` must not touch the set or drop anything that could.
        #[inline]
        pub(crate) fn find<Q, R>(&self, key: &Q, f: impl FnOnce(&K) -> R) -> Option<R>
        where
            K: Borrow<Q>,
            Q: Hash + Eq + ?Sized,
        {
            self.map.get(key).map(|entry| f(entry.key()))
        }

        /// Under the shard's *write* lock: if an equal element exists and
        /// `try_reuse(existing)` returns `Some`, keeps it; otherwise puts `key`
        /// in, calling `on_insert(&key)` first while the lock is still held.
        /// Whatever is handed back is dropped by the caller, after the lock
        /// is released.
        pub(crate) fn insert_or_reuse<R>(
            &self,
            key: K,
            try_reuse: impl FnOnce(&K) -> Option<R>,
            on_insert: impl FnOnce(&K),
        ) -> InsertOutcome<K, R>
        where
            K: Clone,
        {
            // dashmap's entry keeps the offered key private until the entry
            // is consumed, and consuming it releases the lock; a (cheap) clone
            // lets `on_insert` see it while the lock is held.
            let offered = key.clone();
            match self.map.entry(key) {
                dashmap::Entry::Occupied(existing) => {
                    if let Some(reused) = try_reuse(existing.key()) {
                        drop(existing);
                        InsertOutcome::Reused(reused, offered)
                    } else {
                        on_insert(&offered);
                        let (old, ()) = existing.replace_entry(());
                        InsertOutcome::Inserted(Some(old))
                    }
                }
                dashmap::Entry::Vacant(vacant) => {
                    on_insert(&offered);
                    vacant.insert(());
                    InsertOutcome::Inserted(None)
                }
            }
        }

        /// Under the shard's write lock, removes the element equal to `key`
        /// if `f(element)` returns true, and hands it back.
        pub(crate) fn remove_if<Q>(&self, key: &Q, f: impl FnOnce(&K) -> bool) -> Option<K>
        where
            K: Borrow<Q>,
            Q: Hash + Eq + ?Sized,
        {
            self.map.remove_if(key, |k, ()| f(k)).map(|(k, ())| k)
        }

        /// The number of elements (sums the shards; racy under concurrency).
        pub(crate) fn len(&self) -> usize {
            self.map.len()
        }

        /// Calls `f` on every element, each shard under its *read* lock in
        /// turn: an element inserted or removed meanwhile may or may not be
        /// seen. `f` must not touch the set or drop anything that could.
        pub(crate) fn for_each(&self, mut f: impl FnMut(&K)) {
            self.map.iter().for_each(|element| f(element.key()));
        }
    }
}

#[cfg(not(loom))]
pub(crate) use real::*;
