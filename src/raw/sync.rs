//! The synchronization facade: every atomic, lock, `Arc`, published cell and
//! reclamation primitive the registry uses passes through this module.
//!
//! The registry logic names only what is defined or re-exported here. Under
//! `--cfg loom` this module swaps the primitives for loom-aware stand-ins with
//! the same semantics, so the model checker sees every synchronizing
//! operation; the rest of the crate does not change. The three concurrent
//! building blocks are wrapped in narrow types whose whole surface is what the
//! registry needs:
//!
//! | facade type | real implementation | what it is for |
//! |---|---|---|
//! | [`ShardedSet`] | `dashmap::DashMap<K, (), StoredHash>` | the hash-consing map of rec groups, keyed by their stored hash |
//! | [`PublishedCell`] | `arc_swap::ArcSwapOption` | supertype arrays read by `is_subtype` |
//! | [`RetiringCell`] + [`pin`] | `crossbeam_epoch::Atomic` + a pinned `Guard` | per-slot type payloads, freed only after every reader that could see them has unpinned |
//!
//! # Synchronization
//! Each facade type documents the orderings it provides; the callers rely on
//! exactly those and nothing more. `docs/design.md` gives the whole protocol.
//!
//! # Under loom
//! With `--cfg loom` the atomics, `fence` and `Arc` are loom's, and the three
//! wrappers come from the `model` submodule (src/sync/model.rs): a loom
//! `RwLock<HashMap>` per shard, a loom `RwLock<Option<Arc<T>>>`, and a
//! deferred-free collector that makes a use after free visible to loom.
//! `docs/correctness.md` says why each is faithful to the real primitive.

#[cfg(not(loom))]
pub(crate) use std::sync::{
    atomic::{fence, AtomicPtr, AtomicU32, AtomicU64, AtomicUsize, Ordering},
    Arc,
};

/// Only the debug-build double-dismantle check uses it.
#[cfg(all(not(loom), debug_assertions))]
pub(crate) use std::sync::atomic::AtomicBool;

#[cfg(loom)]
pub(crate) use loom::sync::{
    atomic::{fence, AtomicPtr, AtomicU32, AtomicU64, AtomicUsize, Ordering},
    Arc,
};

/// Only the debug-build double-dismantle check uses it.
#[cfg(all(loom, debug_assertions))]
pub(crate) use loom::sync::atomic::AtomicBool;

#[cfg(loom)]
mod model;

#[cfg(loom)]
pub(crate) use model::*;

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

    use crossbeam_epoch as epoch;

    use super::{Arc, InsertOutcome, Ordering};

    /// Proof that the current thread is pinned: payloads loaded under it stay
    /// allocated until it is dropped.
    pub(crate) struct Guard(epoch::Guard);

    /// Pins the current thread (cheap when it is already pinned).
    #[inline]
    pub(crate) fn pin() -> Guard {
        Guard(epoch::pin())
    }

    /// A cell holding at most one boxed value, written rarely (publish once,
    /// retire once per occupancy) and read concurrently under a [`Guard`].
    /// A retired value is destroyed only after every guard that was alive when
    /// it was retired has been dropped.
    pub(crate) struct RetiringCell<T> {
        ptr: epoch::Atomic<T>,
    }

    impl<T> Default for RetiringCell<T> {
        fn default() -> Self {
            Self { ptr: epoch::Atomic::null() }
        }
    }

    impl<T: Send + 'static> RetiringCell<T> {
        /// The current value. `Acquire`: synchronizes with the `Release` in
        /// [`publish`](Self::publish), so every write made to the value before
        /// publication is visible through the returned reference.
        #[inline]
        ///
        /// The reference borrows both the guard and the cell: it cannot
        /// outlive the guard (a retired value is destroyed once no guard
        /// that could have loaded it is pinned) nor the cell (whose `Drop`
        /// frees its value at once).
        pub(crate) fn load<'a>(&'a self, guard: &'a Guard) -> Option<&'a T> {
            let shared = self.ptr.load(Ordering::Acquire, &guard.0);
            // SAFETY: the pointer is null or came from an `Owned` in
            // `publish`. The value is destroyed in two ways only: through
            // `defer_destroy` in `retire`, which runs after every guard
            // pinned before the unlinking swap is dropped (ours is pinned for
            // `'a`, and we loaded the pointer under it); or by the cell's
            // `Drop`, which takes `&mut self` and so cannot run while the
            // returned reference, borrowing `self` for `'a`, is alive.
            unsafe { shared.as_ref() }
        }

        /// Stores `value` into an empty cell. `Release`: pairs with the
        /// `Acquire` in [`load`](Self::load).
        pub(crate) fn publish(&self, value: T, guard: &Guard) {
            // `Release` makes the value's initialization visible to any
            // reader whose `Acquire` load sees the new pointer.
            let previous = self.ptr.swap(epoch::Owned::new(value), Ordering::Release, &guard.0);
            debug_assert!(previous.is_null(), "published into an occupied slot");
        }

        /// Empties the cell and schedules the old value for destruction once
        /// no pinned reader can hold it. Returns whether there was a value.
        pub(crate) fn retire(&self, guard: &Guard) -> bool {
            // `AcqRel`: `Acquire` so that dropping the value later happens
            // after its publication; `Release` so that readers that see null
            // also see our earlier writes (nothing relies on that yet, it is
            // just the natural pairing).
            let old = self.ptr.swap(epoch::Shared::null(), Ordering::AcqRel, &guard.0);
            if old.is_null() {
                return false;
            }
            // SAFETY: `old` was unlinked by the swap above, so no new reader
            // can load it; readers that loaded it earlier are pinned, and
            // `defer_destroy` waits for them. Only one thread retires a given
            // value: the swap hands the pointer to exactly one caller.
            unsafe { guard.0.defer_destroy(old) };
            true
        }
    }

    impl<T> Drop for RetiringCell<T> {
        fn drop(&mut self) {
            // SAFETY: `&mut self` means no reference returned by `load`
            // is alive (each borrows the cell), so the value (if any) can be
            // freed at once; a value retired earlier is no longer in the
            // cell and is left to the collector.
            unsafe {
                let guard = epoch::unprotected();
                let shared = self.ptr.load(Ordering::Relaxed, guard);
                if !shared.is_null() {
                    drop(shared.into_owned());
                }
            }
        }
    }

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
    }
}

#[cfg(not(loom))]
pub(crate) use real::*;
