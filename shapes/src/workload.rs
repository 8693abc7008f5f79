//! A realistic mixed workload for the registry: threads registering modules
//! (equal and different ones), registering single types, rooting, cloning,
//! checking subtypes, borrowing and dropping, each checking the registry's
//! answers as it goes.
//!
//! Shared by the `stress` example (which prints operations per second) and
//! the stress tests (which assert on the [`Report`] and on the registry's
//! final state).

use std::time::{Duration, Instant};

use wasm_type_registry::{ModuleTypeIndex, ModuleTypes, RegisteredType, TypeCollection, TypeRef, TypeRegistry};

use crate::{numbered_func_type, small_module, struct_hierarchy, Rng};

/// How long and how wide a run is.
#[derive(Clone, Debug)]
pub struct Config {
    /// Worker threads.
    pub threads: usize,
    /// Stop after this long...
    pub duration: Duration,
    /// ...or after this many operations per thread, whichever comes first.
    pub max_ops_per_thread: u64,
    /// Seed for the module pool and every thread's choices.
    pub seed: u64,
}

/// The kinds of operation, in report order.
pub const OPERATIONS: [&str; 7] = ["register module", "register type", "root", "clone", "is_subtype", "borrow", "drop"];

/// Operation counts of one run.
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// Count per entry of [`OPERATIONS`].
    pub counts: [u64; OPERATIONS.len()],
    /// Wall time of the run.
    pub elapsed: Duration,
}

impl Report {
    /// All operations.
    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }
}

/// The modules threads pick from: small modules (several threads register
/// the same ones, hitting the hash-consing map) and a class hierarchy.
pub fn module_pool(seed: u64) -> Vec<ModuleTypes> {
    let mut pool: Vec<ModuleTypes> = (0..24).map(|i| small_module(seed.wrapping_add(i), 6)).collect();
    pool.push(struct_hierarchy(seed, 300, 10));
    pool
}

enum Held {
    Module(usize, TypeCollection),
    Type(RegisteredType),
}

/// Runs the workload on `registry` and returns the counts. Panics (it is
/// test and benchmark code) if the registry gives a wrong answer: a declared
/// supertype that `is_subtype` denies, a held type that `borrow` or `root`
/// cannot find, or a handle whose type changed.
pub fn run(registry: &TypeRegistry, config: &Config) -> Report {
    let pool = module_pool(config.seed);
    let start = Instant::now();
    let deadline = start + config.duration;
    let per_thread: Vec<[u64; OPERATIONS.len()]> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..config.threads)
            .map(|t| {
                let pool = &pool;
                s.spawn(move || worker(registry, pool, config, t as u64, deadline))
            })
            .collect();
        workers.into_iter().map(|w| w.join().expect("worker panicked")).collect()
    });
    let mut report = Report { elapsed: start.elapsed(), ..Report::default() };
    for counts in per_thread {
        for (total, n) in report.counts.iter_mut().zip(counts) {
            *total += n;
        }
    }
    report
}

fn worker(
    registry: &TypeRegistry,
    pool: &[ModuleTypes],
    config: &Config,
    thread: u64,
    deadline: Instant,
) -> [u64; OPERATIONS.len()] {
    let mut rng = Rng::new(config.seed ^ (thread + 1).wrapping_mul(0x9e37_79b9));
    let mut counts = [0u64; OPERATIONS.len()];
    let mut held: Vec<Held> = Vec::new();
    let mut fresh = thread << 40;
    for op in 0..config.max_ops_per_thread {
        if op % 64 == 0 && Instant::now() >= deadline {
            break;
        }
        let kind = if held.len() >= 48 { 6 } else { rng.below(OPERATIONS.len()) };
        let done = match kind {
            0 => {
                let m = rng.below(pool.len());
                let collection = registry.register_module(&pool[m]).expect("pool modules are valid");
                check_declared_supertypes(registry, &pool[m], &collection);
                held.push(Held::Module(m, collection));
                true
            }
            1 => {
                fresh += 1;
                let ty = registry.register_type(numbered_func_type(fresh)).expect("valid type");
                assert_eq!(*ty, numbered_func_type(fresh), "registered type changed");
                held.push(Held::Type(ty));
                true
            }
            2 => match pick_index(&mut rng, &held) {
                Some(index) => {
                    let rooted = registry.root(index).expect("held index must root");
                    assert_eq!(rooted.index(), index);
                    held.push(Held::Type(rooted));
                    true
                }
                None => false,
            },
            3 => {
                let types: Vec<&RegisteredType> =
                    held.iter().filter_map(|h| if let Held::Type(t) = h { Some(t) } else { None }).collect();
                if types.is_empty() {
                    false
                } else {
                    let copy = (*rng.pick(&types)).clone();
                    held.push(Held::Type(copy));
                    true
                }
            }
            4 => match held.iter().find_map(|h| if let Held::Module(m, c) = h { Some((*m, c)) } else { None }) {
                Some((m, collection)) => {
                    check_declared_supertypes(registry, &pool[m], collection);
                    true
                }
                None => false,
            },
            5 => match pick_index(&mut rng, &held) {
                Some(index) => {
                    assert!(registry.borrow(index).is_some(), "held {index:?} must be registered");
                    true
                }
                None => false,
            },
            _ => {
                if held.is_empty() {
                    false
                } else {
                    let i = rng.below(held.len());
                    drop(held.swap_remove(i));
                    true
                }
            }
        };
        counts[kind] += u64::from(done);
    }
    counts[6] += held.len() as u64;
    drop(held);
    counts
}

fn pick_index(rng: &mut Rng, held: &[Held]) -> Option<wasm_type_registry::EngineTypeIndex> {
    if held.is_empty() {
        return None;
    }
    match &held[rng.below(held.len())] {
        Held::Module(_, c) if !c.is_empty() => c.engine_type(ModuleTypeIndex::from_u32(rng.below(c.len()) as u32)),
        Held::Module(..) => None,
        Held::Type(t) => Some(t.index()),
    }
}

/// Every declared supertype in the module must be a supertype in the
/// registry, and the reverse must not hold.
fn check_declared_supertypes(registry: &TypeRegistry, module: &ModuleTypes, collection: &TypeCollection) {
    for (i, ty) in module.types().iter().enumerate() {
        if let Some(TypeRef::Module(sup)) = ty.supertype {
            let sub = collection.engine_type(ModuleTypeIndex::from_u32(i as u32)).expect("in module");
            let sup = collection.engine_type(sup).expect("in module");
            assert!(registry.is_subtype(sub, sup), "{sub:?} must be a subtype of {sup:?}");
            assert!(sub == sup || !registry.is_subtype(sup, sub), "{sup:?} must not be a subtype of {sub:?}");
        }
    }
}
