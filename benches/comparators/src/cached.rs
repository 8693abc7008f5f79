//! The comparator Wasmtime actually ships since 47.0.0: the global lock, with
//! a private subtype cache per store in front of `is_subtype`.
//!
//! Wasmtime PR #13860 (from the measurements of issue #13822) keeps the
//! registry's `RwLock` and has each store first consult a
//! `HashMap<u64, bool>` keyed by the packed pair `sub << 32 | sup`, hashed
//! with a no-op hasher (the key is its own hash) and bounded in size. Here a
//! thread stands for a store: [`SubtypeCache`] lives in a thread-local, and
//! [`GlobalLockCachedRegistry`] is [`GlobalLockRegistry`] with that cache in
//! front of [`is_subtype`](GlobalLockCachedRegistry::is_subtype). Every other
//! operation goes to the global-lock port unchanged.
//!
//! The bound is [`SUBTYPE_CACHE_CAPACITY`] entries; an insert into a full
//! cache first clears it.
//!
//! The key's hash matters more than its shape suggests: with the identity
//! hash, hashbrown takes the home bucket from the low bits (`sup` itself)
//! and the 7-bit tag it filters probes with from the top bits (zero for any
//! index below 2^25). With dense indices every entry's home is among the
//! first few thousand buckets whatever the table's size, pairs with the
//! same `sup` share one, and every probed slot's tag matches. [`GlobalLockCachedRegistry`]
//! keeps Wasmtime's identity hash ([`IdentityHash`]); the same cache with
//! a mixing hash ([`MixedHash`]) is measured beside it, to show what the
//! cache itself can do. (The merged Wasmtime change instead stops
//! inserting once full and sends further misses to the registry; on the
//! benchmark's two pair sets, one that fits and one that mostly misses,
//! both policies hit and miss alike.)
//!
//! A store keeps the types it checks alive, so its cache never sees an
//! index reused for another type. The benchmarks keep their pairs
//! registered for the same reason; and because one thread may use several
//! registries over a run, the thread's cache belongs to one registry at a
//! time and is cleared when the thread moves to another.

use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher};
use std::marker::PhantomData;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use wasm_type_registry::{EngineTypeIndex, ModuleTypes, SubType};

use crate::global_lock::{GlobalLockCollection, GlobalLockRegisteredType, GlobalLockRegistry};
use crate::registries::Registry;

/// Entries a [`SubtypeCache`] holds at most: Wasmtime's bound.
pub const SUBTYPE_CACHE_CAPACITY: usize = 65_536;

/// How a [`SubtypeCache`] hashes its packed-pair keys.
pub trait PairHash: BuildHasher + Default + 'static {
    /// Runs `f` on this thread's cache of this kind.
    fn with_thread_cache<T>(f: impl FnOnce(&mut SubtypeCache<Self>) -> T) -> T;
}

/// Wasmtime's no-op hasher: the packed pair is its own hash.
#[derive(Clone, Copy, Default)]
pub struct IdentityHash;

/// A multiplicative hash whose high and low bits both depend on both
/// indices of the pair.
#[derive(Clone, Copy, Default)]
pub struct MixedHash;

/// Hashes one `u64` key: `mix` says how.
#[derive(Default)]
pub struct PackedPairHasher {
    value: u64,
    mix: bool,
}

impl BuildHasher for IdentityHash {
    type Hasher = PackedPairHasher;

    fn build_hasher(&self) -> PackedPairHasher {
        PackedPairHasher { value: 0, mix: false }
    }
}

impl BuildHasher for MixedHash {
    type Hasher = PackedPairHasher;

    fn build_hasher(&self) -> PackedPairHasher {
        PackedPairHasher { value: 0, mix: true }
    }
}

thread_local! {
    /// This thread's (this "store's") caches.
    static IDENTITY_CACHE: RefCell<SubtypeCache<IdentityHash>> = RefCell::default();
    static MIXED_CACHE: RefCell<SubtypeCache<MixedHash>> = RefCell::default();
}

impl PairHash for IdentityHash {
    fn with_thread_cache<T>(f: impl FnOnce(&mut SubtypeCache<Self>) -> T) -> T {
        IDENTITY_CACHE.with(|cache| f(&mut cache.borrow_mut()))
    }
}

impl PairHash for MixedHash {
    fn with_thread_cache<T>(f: impl FnOnce(&mut SubtypeCache<Self>) -> T) -> T {
        MIXED_CACHE.with(|cache| f(&mut cache.borrow_mut()))
    }
}

impl Hasher for PackedPairHasher {
    fn finish(&self) -> u64 {
        if self.mix {
            let h = self.value.wrapping_mul(0x9E37_79B9_7F4A_7C15);
            h ^ (h >> 32)
        } else {
            self.value
        }
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only `u64` keys are hashed; fold anything else in, byte by byte.
        for &b in bytes {
            self.value = self.value.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u64(&mut self, value: u64) {
        self.value = value;
    }
}

/// One store's memo of `is_subtype` answers, shaped like Wasmtime's.
#[derive(Default)]
pub struct SubtypeCache<H = IdentityHash> {
    /// The registry whose answers are cached (see [`GlobalLockCachedRegistry::id`]).
    owner: u64,
    answers: HashMap<u64, bool, H>,
}

impl<H: BuildHasher> SubtypeCache<H> {
    /// `sub <: sup`, from the cache or else from `slow` (then remembered).
    /// `owner` names the registry `slow` asks; a cache that held another
    /// registry's answers is cleared first.
    #[inline]
    pub fn is_subtype(
        &mut self,
        owner: u64,
        sub: EngineTypeIndex,
        sup: EngineTypeIndex,
        slow: impl FnOnce() -> bool,
    ) -> bool {
        if sub == sup {
            return true;
        }
        if self.owner != owner {
            self.answers.clear();
            self.owner = owner;
        }
        let key = (u64::from(sub.as_u32()) << 32) | u64::from(sup.as_u32());
        if let Some(&answer) = self.answers.get(&key) {
            return answer;
        }
        let answer = slow();
        if self.answers.len() >= SUBTYPE_CACHE_CAPACITY {
            self.answers.clear();
        }
        self.answers.insert(key, answer);
        answer
    }

    /// Cached answers.
    pub fn len(&self) -> usize {
        self.answers.len()
    }

    /// Whether nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.answers.is_empty()
    }
}

/// [`GlobalLockRegistry`] with a per-thread [`SubtypeCache`] in front of
/// `is_subtype`: Wasmtime 47 and later (with the default [`IdentityHash`]).
pub struct GlobalLockCachedRegistry<H = IdentityHash> {
    registry: GlobalLockRegistry,
    id: u64,
    hash: PhantomData<fn() -> H>,
}

impl<H> Clone for GlobalLockCachedRegistry<H> {
    fn clone(&self) -> Self {
        GlobalLockCachedRegistry { registry: self.registry.clone(), id: self.id, hash: PhantomData }
    }
}

impl<H: PairHash> Default for GlobalLockCachedRegistry<H> {
    fn default() -> Self {
        Self::new()
    }
}

impl<H: PairHash> GlobalLockCachedRegistry<H> {
    /// An empty registry.
    pub fn new() -> Self {
        static NEXT_ID: AtomicU64 = AtomicU64::new(1);
        // `Relaxed`: only distinct numbers are needed.
        let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        GlobalLockCachedRegistry { registry: GlobalLockRegistry::new(), id, hash: PhantomData }
    }

    /// The registry behind the cache.
    pub fn uncached(&self) -> &GlobalLockRegistry {
        &self.registry
    }

    /// A number no other registry of this process has: the owner of the
    /// thread caches it fills.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// `sub <: sup`: this thread's cache, else the registry's read lock.
    #[inline]
    pub fn is_subtype(&self, sub: EngineTypeIndex, sup: EngineTypeIndex) -> bool {
        H::with_thread_cache(|cache| cache.is_subtype(self.id, sub, sup, || self.registry.is_subtype(sub, sup)))
    }

    /// Answers in this thread's cache (for tests and reports).
    pub fn thread_cache_len() -> usize {
        H::with_thread_cache(|cache| cache.len())
    }
}

impl<H: PairHash> Registry for GlobalLockCachedRegistry<H> {
    type Collection = GlobalLockCollection;
    type Handle = GlobalLockRegisteredType;

    fn create() -> Self {
        GlobalLockCachedRegistry::new()
    }

    fn register_module(&self, module: &ModuleTypes) -> GlobalLockCollection {
        self.registry.register_module(module).expect("benchmark modules are valid")
    }

    fn engine_types(collection: &GlobalLockCollection) -> &[EngineTypeIndex] {
        collection.engine_types()
    }

    fn register_type(&self, ty: SubType) -> GlobalLockRegisteredType {
        self.registry.register_type(ty).expect("benchmark types are valid")
    }

    fn root(&self, index: EngineTypeIndex) -> Option<GlobalLockRegisteredType> {
        self.registry.root(index)
    }

    #[inline]
    fn borrow(&self, index: EngineTypeIndex) -> Option<Arc<SubType>> {
        self.registry.borrow(index)
    }

    #[inline]
    fn is_subtype(&self, sub: EngineTypeIndex, sup: EngineTypeIndex) -> bool {
        GlobalLockCachedRegistry::<H>::is_subtype(self, sub, sup)
    }

    fn len(&self) -> usize {
        self.registry.len()
    }

    fn slots_ever_used(&self) -> usize {
        self.registry.slots_ever_used()
    }

    fn flush(&self) {}
}

/// The share of `pairs` (walked in order, as one thread walks them) that a
/// fresh [`SubtypeCache`] answers without asking the registry.
pub fn cache_hit_rate(pairs: &[(EngineTypeIndex, EngineTypeIndex)], walks: usize) -> f64 {
    let mut cache = SubtypeCache::<IdentityHash>::default();
    let (mut hits, mut total) = (0u64, 0u64);
    for _ in 0..walks {
        for &(sub, sup) in pairs {
            let mut missed = false;
            cache.is_subtype(1, sub, sup, || {
                missed = true;
                false
            });
            hits += u64::from(!missed);
            total += 1;
        }
    }
    hits as f64 / total.max(1) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index(i: u32) -> EngineTypeIndex {
        EngineTypeIndex::from_u32(i)
    }

    #[test]
    fn answers_come_from_the_registry_once_then_from_the_cache() {
        let mut cache = SubtypeCache::<IdentityHash>::default();
        let mut asked = 0;
        for _ in 0..3 {
            let answer = cache.is_subtype(7, index(3), index(9), || {
                asked += 1;
                true
            });
            assert!(answer);
        }
        assert_eq!(asked, 1);
        // Reflexive checks never reach the registry nor the map.
        assert!(cache.is_subtype(7, index(4), index(4), || unreachable!("sub == sup")));
        assert_eq!(cache.len(), 1);
        // (9, 3) is another key than (3, 9).
        assert!(!cache.is_subtype(7, index(9), index(3), || false));
        assert_eq!(cache.len(), 2);
    }

    #[test]
    fn a_full_cache_is_cleared_before_the_next_insert() {
        let mut cache = SubtypeCache::<MixedHash>::default();
        for i in 0..SUBTYPE_CACHE_CAPACITY as u32 {
            cache.is_subtype(1, index(i), index(i + 1), || false);
        }
        assert_eq!(cache.len(), SUBTYPE_CACHE_CAPACITY);
        // A hit leaves it full.
        assert!(!cache.is_subtype(1, index(0), index(1), || unreachable!("cached")));
        assert_eq!(cache.len(), SUBTYPE_CACHE_CAPACITY);
        // A miss clears it and remembers only itself.
        assert!(cache.is_subtype(1, index(u32::MAX - 1), index(0), || true));
        assert_eq!(cache.len(), 1);
    }

    #[test]
    fn moving_to_another_registry_forgets_the_old_answers() {
        let mut cache = SubtypeCache::<IdentityHash>::default();
        assert!(cache.is_subtype(1, index(3), index(9), || true));
        assert!(!cache.is_subtype(2, index(3), index(9), || false), "registry 2 asked, not registry 1's answer");
        assert_eq!(cache.len(), 1);
    }

    fn agrees_with_the_global_lock<H: PairHash>() {
        let module = wasm_type_shapes::struct_hierarchy(5, 300, 6);
        let cached = GlobalLockCachedRegistry::<H>::new();
        let types = Registry::register_module(&cached, &module);
        let shared = types.engine_types();
        let mut related = 0;
        for round in 0..2 {
            for (i, &sub) in shared.iter().enumerate() {
                let sup = shared[(i * 31 + round) % shared.len()];
                let answer = cached.is_subtype(sub, sup);
                assert_eq!(answer, cached.uncached().is_subtype(sub, sup));
                related += usize::from(answer);
                // Its ancestors: answers that are true.
                if let Some(wasm_type_registry::TypeRef::Engine(parent)) = cached.borrow(sub).unwrap().supertype {
                    assert!(cached.is_subtype(sub, parent));
                }
            }
        }
        assert!(related > 0);
        assert!(GlobalLockCachedRegistry::<H>::thread_cache_len() > 0);
    }

    #[test]
    fn the_cached_registries_agree_with_the_global_lock() {
        agrees_with_the_global_lock::<IdentityHash>();
        agrees_with_the_global_lock::<MixedHash>();
    }

    /// The mixed hash spreads pairs that share `sup` over the table's
    /// buckets and tags; the identity hash sends them to one bucket with
    /// one tag (Wasmtime's case).
    #[test]
    fn only_the_mixed_hash_spreads_pairs_with_one_supertype() {
        let hashes = |build: &dyn Fn() -> PackedPairHasher| {
            let (mut low, mut top) = (std::collections::HashSet::new(), std::collections::HashSet::new());
            for sub in 0..64u64 {
                let mut h = build();
                h.write_u64(sub << 32 | 7);
                low.insert(h.finish() & 0xfff);
                top.insert(h.finish() >> 57);
            }
            (low.len(), top.len())
        };
        assert_eq!(hashes(&|| IdentityHash.build_hasher()), (1, 1));
        let (low, top) = hashes(&|| MixedHash.build_hasher());
        assert!(low > 50 && top > 30, "{low} buckets, {top} tags");
    }
}
