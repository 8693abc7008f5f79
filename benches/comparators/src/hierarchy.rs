//! The struct hierarchy that workloads 1, 2, 7 and 8 run on, and the random
//! pairs and indices they walk.

use std::sync::OnceLock;

use wasm_type_registry::{EngineTypeIndex, ModuleTypes, TypeRef};
use wasm_type_shapes as shapes;

use crate::harness::MAX_THREADS;
use crate::registries::Registry;

const HIERARCHY_TYPES: usize = 4_000;
const HIERARCHY_DEPTH: usize = 10;
/// Random pairs / indices of the mixed set; a power of two.
pub(crate) const SAMPLES: usize = 1 << 14;
/// The small pair set: fits a subtype cache.
pub(crate) const SMALL_PAIRS: usize = 1 << 12;
/// The large pair set: about a million uniformly random pairs, a power of
/// two so that threads wrap around it with a mask.
pub(crate) const LARGE_PAIRS: usize = 1 << 20;

/// The struct hierarchy of workloads 1 and 2 (4,000 types, depth up to 10),
/// and random pairs of module indices on it.
pub(crate) struct Hierarchy {
    pub(crate) module: ModuleTypes,
    /// Half (sub, an ancestor of sub or sub itself), half uniformly random.
    pub(crate) pairs: Vec<(usize, usize)>,
    /// Uniformly random pairs: almost all unrelated, rarely repeated.
    pub(crate) large_pairs: Vec<(usize, usize)>,
    pub(crate) indices: Vec<usize>,
}

/// Which pairs an `is_subtype` workload checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PairSet {
    /// [`SAMPLES`] pairs, half of them related.
    Mixed,
    /// The first [`SMALL_PAIRS`] of the mixed set.
    Small,
    /// [`LARGE_PAIRS`] uniformly random pairs.
    Large,
}

impl PairSet {
    /// The pairs, as module indices of [`Hierarchy::module`].
    pub(crate) fn pairs(self) -> &'static [(usize, usize)] {
        let h = hierarchy();
        match self {
            PairSet::Mixed => &h.pairs,
            PairSet::Small => &h.pairs[..SMALL_PAIRS],
            PairSet::Large => &h.large_pairs,
        }
    }
}

pub(crate) fn hierarchy() -> &'static Hierarchy {
    static HIERARCHY: OnceLock<Hierarchy> = OnceLock::new();
    HIERARCHY.get_or_init(|| {
        let module = shapes::struct_hierarchy(1, HIERARCHY_TYPES, HIERARCHY_DEPTH);
        let mut rng = shapes::Rng::new(42);
        let ancestors = |i: usize| {
            let mut chain = vec![i];
            while let Some(TypeRef::Module(p)) = module.types()[*chain.last().unwrap_or(&i)].supertype {
                chain.push(p.as_usize());
            }
            chain
        };
        let pairs = (0..SAMPLES)
            .map(|k| {
                let sub = rng.below(module.len());
                let sup = if k % 2 == 0 { *rng.pick(&ancestors(sub)) } else { rng.below(module.len()) };
                (sub, sup)
            })
            .collect();
        let indices = (0..SAMPLES).map(|_| rng.below(module.len())).collect();
        let large_pairs = (0..LARGE_PAIRS).map(|_| (rng.below(module.len()), rng.below(module.len()))).collect();
        Hierarchy { module, pairs, large_pairs, indices }
    })
}

/// Sample `i` of thread `thread`: threads start at different offsets so
/// that they do not walk the same entries in lock step. `samples.len()` is
/// a power of two.
#[inline]
pub(crate) fn sample<T: Copy>(samples: &[T], thread: usize, i: usize) -> T {
    let len = samples.len();
    debug_assert!(len.is_power_of_two());
    samples[(thread * (len / MAX_THREADS) + i) & (len - 1)]
}

/// Pairs of engine indices.
pub(crate) type SharedPairs = Vec<(EngineTypeIndex, EngineTypeIndex)>;

/// The hierarchy registered in `registry`, with `set`'s pairs and the
/// sample indices as engine indices.
pub(crate) fn registered_samples<R: Registry>(
    registry: &R,
    set: PairSet,
) -> (R::Collection, SharedPairs, Vec<EngineTypeIndex>) {
    let h = hierarchy();
    let collection = registry.register_module(&h.module);
    let shared = R::engine_types(&collection);
    let pairs = set.pairs().iter().map(|&(a, b)| (shared[a], shared[b])).collect();
    let indices = h.indices.iter().map(|&i| shared[i]).collect();
    (collection, pairs, indices)
}
