//! The throughput workloads, each set up on each comparator it applies to.
//!
//! | workload | one element is |
//! |---|---|
//! | 1 `is_subtype` | one check of a random pair on a 4,000-type struct hierarchy, depth up to 10 (half the pairs related) |
//! | 2 `root_drop`, `borrow` | `TypeRegistry::root` + drop, or `borrow`, of a random type of that hierarchy |
//! | 3 `register_hot` | registering and dropping a function type that is kept registered elsewhere (hash-consing hit) |
//! | 4 `register_disjoint_*` | registering and dropping a type of the thread's own (miss, insert, unregister) |
//! | 5 `dart2wasm_*`, `singletons_*` | one type of a module registered: a dart2wasm-like rec group of 8,497 types, or 3,500 singleton groups; `first` into a registry without it (each thread its own module), `hit` while it is registered (all threads the same module) |
//! | 6 `churn` | one fresh three-group module (with a trampoline type) registered and dropped |
//! | 1 `is_subtype_small`, `_large` | workload 1 on 4,096 pairs (fit a [`SubtypeCache`](crate::SubtypeCache)) or 2^20 uniformly random pairs (mostly miss it) |
//! | 8 `request` | one request of [`request`](crate::request): 5 roots, 5 host function types registered (hits), 1,000 `is_subtype` checks, all dropped |
//!
//! Module workloads time only `register_module` (`first`, `hit`) and leave
//! the drop untimed; `churn` times registration and drop but not building
//! the module.

use std::hint::black_box;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use wasm_type_registry::{FieldType, ModuleTypes, RefType, StorageType, SubType, TypeRef, TypeRegistry, ValType};
use wasm_type_shapes as shapes;

use crate::cached::{GlobalLockCachedRegistry, IdentityHash, MixedHash};
use crate::global_lock::GlobalLockRegistry;
use crate::harness::{Prepared, MAX_THREADS};
use crate::hierarchy::{registered_samples, sample, PairSet};
use crate::limit::SupertypeTable;
use crate::registries::Registry;

/// Who runs a workload.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Comparator {
    /// `wasm_type_registry::TypeRegistry`.
    ThisCrate,
    /// [`GlobalLockRegistry`]: Wasmtime 22's design over this crate's model.
    GlobalLock,
    /// Wasmtime 48 (feature `wasmtime`).
    Wasmtime,
    /// The unsynchronized `is_subtype` limit.
    Limit,
    /// [`GlobalLockCachedRegistry`]: the global lock with a per-thread
    /// subtype cache, as Wasmtime 47 and later ship it.
    GlobalLockCached,
    /// The same with a mixing hash for the cache's keys
    /// ([`MixedHash`](crate::MixedHash)): what the cache can do when its
    /// hash is not in the way.
    GlobalLockCachedMixed,
}

impl Comparator {
    /// A short identifier (criterion function names, table columns).
    pub fn name(self) -> &'static str {
        match self {
            Comparator::ThisCrate => "this_crate",
            Comparator::GlobalLock => "global_lock",
            Comparator::Wasmtime => "wasmtime48",
            Comparator::Limit => "limit",
            Comparator::GlobalLockCached => "global_lock_cached",
            Comparator::GlobalLockCachedMixed => "global_lock_cached_mixed",
        }
    }
}

/// The throughput workloads, numbered as in docs/benchmarks.md.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Workload {
    /// 1: `is_subtype` on random pairs of a realistic hierarchy.
    IsSubtype,
    /// 2: `TypeRegistry::root` + drop.
    RootDrop,
    /// 2: `borrow`.
    Borrow,
    /// 3: every thread registers and drops the same function type.
    RegisterHot,
    /// 4: each thread registers and drops its own function types.
    RegisterDisjointFunc,
    /// 4: each thread registers and drops its own struct types.
    RegisterDisjointStruct,
    /// 5: a dart2wasm-like rec group, registered where it is not yet.
    Dart2WasmFirst,
    /// 5: a dart2wasm-like rec group, registered again while registered.
    Dart2WasmHit,
    /// 5: 3,500 singleton groups, registered where they are not yet.
    SingletonsFirst,
    /// 5: 3,500 singleton groups, registered again while registered.
    SingletonsHit,
    /// 6: fresh modules registered and dropped.
    Churn,
    /// 1, on a pair set that fits the subtype cache.
    IsSubtypeSmall,
    /// 1, on a pair set that mostly misses the subtype cache.
    IsSubtypeLarge,
    /// 8: request-shaped load.
    Request,
}

const SINGLETON_GROUPS: usize = 3_500;
/// Distinct types each thread cycles through in the disjoint workloads.
const DISJOINT_TYPES: usize = 64;

impl Workload {
    /// Every workload, in order.
    pub const ALL: [Workload; 14] = [
        Workload::IsSubtype,
        Workload::IsSubtypeSmall,
        Workload::IsSubtypeLarge,
        Workload::RootDrop,
        Workload::Borrow,
        Workload::RegisterHot,
        Workload::RegisterDisjointFunc,
        Workload::RegisterDisjointStruct,
        Workload::Dart2WasmFirst,
        Workload::Dart2WasmHit,
        Workload::SingletonsFirst,
        Workload::SingletonsHit,
        Workload::Churn,
        Workload::Request,
    ];

    /// The criterion group name.
    pub fn name(self) -> &'static str {
        match self {
            Workload::IsSubtype => "1_is_subtype",
            Workload::RootDrop => "2_root_drop",
            Workload::Borrow => "2_borrow",
            Workload::RegisterHot => "3_register_hot",
            Workload::RegisterDisjointFunc => "4_register_disjoint_func",
            Workload::RegisterDisjointStruct => "4_register_disjoint_struct",
            Workload::Dart2WasmFirst => "5_dart2wasm_first",
            Workload::Dart2WasmHit => "5_dart2wasm_hit",
            Workload::SingletonsFirst => "5_singletons_first",
            Workload::SingletonsHit => "5_singletons_hit",
            Workload::Churn => "6_churn",
            Workload::IsSubtypeSmall => "1_is_subtype_small",
            Workload::IsSubtypeLarge => "1_is_subtype_large",
            Workload::Request => "8_request",
        }
    }

    /// The comparators that can run this workload (Wasmtime only with the
    /// `wasmtime` feature, and only where its public API can express it).
    pub fn comparators(self) -> Vec<Comparator> {
        let mut comparators = vec![Comparator::ThisCrate, Comparator::GlobalLock];
        let wasmtime = cfg!(feature = "wasmtime");
        match self {
            Workload::IsSubtype => {
                comparators.extend([Comparator::GlobalLockCached, Comparator::GlobalLockCachedMixed]);
                if wasmtime {
                    comparators.push(Comparator::Wasmtime);
                }
                comparators.push(Comparator::Limit);
            }
            Workload::IsSubtypeSmall | Workload::IsSubtypeLarge => {
                comparators.extend([Comparator::GlobalLockCached, Comparator::GlobalLockCachedMixed, Comparator::Limit])
            }
            Workload::Request => comparators.extend([Comparator::GlobalLockCached, Comparator::GlobalLockCachedMixed]),
            Workload::RegisterHot | Workload::RegisterDisjointFunc | Workload::RegisterDisjointStruct if wasmtime => {
                comparators.push(Comparator::Wasmtime)
            }
            _ => {}
        }
        comparators
    }

    /// Elements one thread handles per iteration: one operation, or the
    /// types of one module for the module workloads. Known without setting
    /// the workload up (criterion needs it before it decides to run a
    /// benchmark).
    pub fn elements_per_iter(self) -> u64 {
        let (structs, funcs, arrays) = shapes::DART2WASM_COUNTS;
        match self {
            Workload::Dart2WasmFirst | Workload::Dart2WasmHit => (structs + funcs + arrays) as u64,
            Workload::SingletonsFirst | Workload::SingletonsHit => SINGLETON_GROUPS as u64,
            _ => 1,
        }
    }

    /// Whether one iteration takes milliseconds (module registration).
    pub fn long_iterations(self) -> bool {
        self.elements_per_iter() > 1
    }

    /// Sets the workload up on `comparator`; `None` if it does not apply.
    pub fn prepare(self, comparator: Comparator) -> Option<Prepared> {
        match comparator {
            Comparator::ThisCrate => Some(self.prepare_on::<TypeRegistry>()),
            Comparator::GlobalLock => Some(self.prepare_on::<GlobalLockRegistry>()),
            Comparator::GlobalLockCached => {
                self.uses_subtype_cache().then(|| self.prepare_on::<GlobalLockCachedRegistry<IdentityHash>>())
            }
            Comparator::GlobalLockCachedMixed => {
                self.uses_subtype_cache().then(|| self.prepare_on::<GlobalLockCachedRegistry<MixedHash>>())
            }
            Comparator::Limit => self.pair_set().map(is_subtype_limit),
            Comparator::Wasmtime => self.prepare_wasmtime(),
        }
    }

    fn prepare_on<R: Registry>(self) -> Prepared {
        match self {
            Workload::IsSubtype | Workload::IsSubtypeSmall | Workload::IsSubtypeLarge => {
                is_subtype::<R>(self.pair_set().expect("an is_subtype workload"))
            }
            Workload::Request => crate::request::request::<R>(),
            Workload::RootDrop => root_or_borrow::<R>(false),
            Workload::Borrow => root_or_borrow::<R>(true),
            Workload::RegisterHot => register_hot::<R>(),
            Workload::RegisterDisjointFunc => register_disjoint::<R>(shapes::numbered_func_type),
            Workload::RegisterDisjointStruct => register_disjoint::<R>(shapes::numbered_struct_type),
            Workload::Dart2WasmFirst => register_module_first::<R>(dart2wasm_modules()),
            Workload::Dart2WasmHit => register_module_hit::<R>(&dart2wasm_modules()[0]),
            Workload::SingletonsFirst => register_module_first::<R>(singleton_modules()),
            Workload::SingletonsHit => register_module_hit::<R>(&singleton_modules()[0]),
            Workload::Churn => churn::<R>(),
        }
    }

    /// Whether the cached comparators apply: the workloads that check
    /// subtypes (everything else is the global lock unchanged).
    fn uses_subtype_cache(self) -> bool {
        matches!(self, Workload::IsSubtype | Workload::IsSubtypeSmall | Workload::IsSubtypeLarge | Workload::Request)
    }

    /// The pairs an `is_subtype` workload checks.
    fn pair_set(self) -> Option<PairSet> {
        match self {
            Workload::IsSubtype => Some(PairSet::Mixed),
            Workload::IsSubtypeSmall => Some(PairSet::Small),
            Workload::IsSubtypeLarge => Some(PairSet::Large),
            _ => None,
        }
    }

    #[cfg(not(feature = "wasmtime"))]
    fn prepare_wasmtime(self) -> Option<Prepared> {
        None
    }

    #[cfg(feature = "wasmtime")]
    fn prepare_wasmtime(self) -> Option<Prepared> {
        match self {
            Workload::IsSubtype => Some(wasmtime::is_subtype()),
            Workload::RegisterHot => Some(wasmtime::register_hot()),
            Workload::RegisterDisjointFunc => Some(wasmtime::register_disjoint_func()),
            Workload::RegisterDisjointStruct => Some(wasmtime::register_disjoint_struct()),
            _ => None,
        }
    }
}

/// A workload timed as a whole: iteration `i` of thread `t` is `op(t, i)`.
pub(crate) fn timed_loop(op: impl Fn(usize, usize) + Send + Sync + 'static) -> Prepared {
    Prepared::new(
        1,
        false,
        Box::new(move |thread, iters| {
            let t0 = Instant::now();
            for i in 0..iters as usize {
                op(thread, i);
            }
            t0.elapsed()
        }),
    )
}

/// A workload of which only a part is timed: each iteration of thread `t`
/// runs `untimed(t)`, then `timed` on its result, then drops what `timed`
/// returned, untimed again.
fn partly_timed<S, T>(
    elements_per_iter: u64,
    long_iterations: bool,
    untimed: impl Fn(usize) -> S + Send + Sync + 'static,
    timed: impl Fn(S) -> T + Send + Sync + 'static,
) -> Prepared {
    Prepared::new(
        elements_per_iter,
        long_iterations,
        Box::new(move |thread, iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let input = untimed(thread);
                let t0 = Instant::now();
                let output = timed(input);
                total += t0.elapsed();
                drop(output);
            }
            total
        }),
    )
}

fn is_subtype<R: Registry>(set: PairSet) -> Prepared {
    let registry = R::create();
    let (collection, pairs, _) = registered_samples(&registry, set);
    timed_loop(move |thread, i| {
        let _keep = &collection;
        let (sub, sup) = sample(&pairs, thread, i);
        black_box(registry.is_subtype(sub, sup));
    })
}

fn is_subtype_limit(set: PairSet) -> Prepared {
    let registry = TypeRegistry::new();
    let (collection, pairs, _) = registered_samples(&registry, set);
    let table = SupertypeTable::copy_from(&registry, collection.engine_types());
    timed_loop(move |thread, i| {
        let (sub, sup) = sample(&pairs, thread, i);
        black_box(table.is_subtype(sub, sup));
    })
}

fn root_or_borrow<R: Registry>(borrow: bool) -> Prepared {
    let registry = R::create();
    let (collection, _, indices) = registered_samples(&registry, PairSet::Mixed);
    timed_loop(move |thread, i| {
        let _keep = &collection;
        let index = sample(&indices, thread, i);
        if borrow {
            black_box(registry.borrow(index));
        } else {
            black_box(registry.root(index));
        }
    })
}

/// The function type of the hot-registration workload.
pub(crate) fn hot_type() -> SubType {
    shapes::numbered_func_type(12_345)
}

fn register_hot<R: Registry>() -> Prepared {
    let registry = R::create();
    let ty = hot_type();
    let keeper = registry.register_type(ty.clone());
    timed_loop(move |_, _| {
        let _keep = &keeper;
        black_box(registry.register_type(ty.clone()));
    })
}

/// The types thread `t` registers in the disjoint workloads: distinct from
/// every other thread's.
fn disjoint_types(make: fn(u64) -> SubType) -> Vec<Vec<SubType>> {
    (0..MAX_THREADS).map(|t| (0..DISJOINT_TYPES).map(|k| make(((t as u64 + 1) << 8) | k as u64)).collect()).collect()
}

fn register_disjoint<R: Registry>(make: fn(u64) -> SubType) -> Prepared {
    let registry = R::create();
    let types = disjoint_types(make);
    timed_loop(move |thread, i| {
        black_box(registry.register_type(types[thread][i % DISJOINT_TYPES].clone()));
    })
}

pub(crate) fn dart2wasm_modules() -> &'static [ModuleTypes] {
    static MODULES: OnceLock<Vec<ModuleTypes>> = OnceLock::new();
    MODULES.get_or_init(|| (0..MAX_THREADS as u64).map(|t| shapes::dart2wasm_like(100 + t)).collect())
}

fn singleton_modules() -> &'static [ModuleTypes] {
    static MODULES: OnceLock<Vec<ModuleTypes>> = OnceLock::new();
    MODULES
        .get_or_init(|| (0..MAX_THREADS as u64).map(|t| shapes::singleton_groups(200 + t, SINGLETON_GROUPS)).collect())
}

fn register_module_first<R: Registry>(modules: &'static [ModuleTypes]) -> Prepared {
    let registry = R::create();
    partly_timed(modules[0].len() as u64, true, move |thread| &modules[thread], move |m| registry.register_module(m))
}

fn register_module_hit<R: Registry>(module: &'static ModuleTypes) -> Prepared {
    let registry = R::create();
    let keeper = registry.register_module(module);
    partly_timed(
        module.len() as u64,
        true,
        |_| (),
        move |()| {
            let _keep = &keeper;
            registry.register_module(module)
        },
    )
}

/// A fresh module for churn number `n`: a non-final struct, a final struct
/// extending it with a reference back to it, and a function type taking a
/// non-null reference to the second (so it needs a trampoline type), whose
/// other parameters spell `n`. Three rec groups, four registered types.
fn churn_module(n: u64) -> ModuleTypes {
    let int = FieldType { mutable: true, storage: StorageType::Val(ValType::I32) };
    let mut builder = ModuleTypes::builder();
    let base = builder.sub_type(SubType::struct_(false, None, [int]));
    let back = FieldType {
        mutable: false,
        storage: StorageType::Val(ValType::Ref(RefType::concrete(true, TypeRef::Module(base)))),
    };
    let derived = builder.sub_type(SubType::struct_(true, Some(TypeRef::Module(base)), [int, back]));
    let numbered = shapes::numbered_func_type(n);
    let func = numbered.as_func().expect("a function type");
    let params: Vec<ValType> = func
        .params
        .iter()
        .copied()
        .chain(std::iter::once(ValType::Ref(RefType::concrete(false, TypeRef::Module(derived)))))
        .collect();
    builder.sub_type(SubType::func(params, func.results.clone()));
    builder.build().expect("the churn module is valid")
}

/// Per-thread counters for fresh churn numbers, a cache line apart.
#[repr(align(128))]
#[derive(Default)]
struct Counter(std::sync::atomic::AtomicU64);

fn churn<R: Registry>() -> Prepared {
    let registry = R::create();
    let counters: Vec<Counter> = (0..MAX_THREADS).map(|_| Counter::default()).collect();
    let fresh_module = move |thread: usize| {
        // `Relaxed`: only this thread uses its counter.
        let n = counters[thread].0.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        churn_module(n * MAX_THREADS as u64 + thread as u64)
    };
    partly_timed(1, false, fresh_module, move |module| drop(registry.register_module(&module)))
}

/// Memory of a registry over a long churn run.
#[derive(Clone, Debug)]
pub struct ChurnMemory {
    /// Modules registered and dropped in the measured run (all threads).
    pub operations: u64,
    /// Resident memory of the process after warming up and after each
    /// quarter of the run, in bytes (five samples).
    pub rss: Vec<u64>,
    /// Index-table entries ever allocated, after warming up.
    pub slots_before: usize,
    /// Index-table entries ever allocated, after the run.
    pub slots_after: usize,
    /// Registered types after the run (should be 0).
    pub len_after: usize,
}

/// Resident memory of this process (`VmRSS`), in bytes; 0 where `/proc` is
/// not available.
pub fn resident_memory_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
            let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
            Some(kib * 1024)
        })
        .unwrap_or(0)
}

/// Registers and drops `operations_per_thread` fresh churn modules on each
/// of `threads` threads, after a warm-up of a tenth as many, and samples
/// memory after the warm-up and after each quarter of the run.
pub fn churn_memory<R: Registry>(threads: usize, operations_per_thread: u64) -> ChurnMemory {
    let registry = R::create();
    let next = std::sync::atomic::AtomicU64::new(0);
    let run = |ops: u64| {
        std::thread::scope(|s| {
            for _ in 0..threads {
                s.spawn(|| {
                    for _ in 0..ops {
                        // `Relaxed`: only distinct numbers are needed.
                        let n = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        drop(registry.register_module(&churn_module(n)));
                    }
                });
            }
        })
    };
    run(operations_per_thread / 10);
    let slots_before = registry.slots_ever_used();
    let mut rss = vec![resident_memory_bytes()];
    for _ in 0..4 {
        run(operations_per_thread / 4);
        rss.push(resident_memory_bytes());
    }
    ChurnMemory {
        operations: operations_per_thread / 4 * 4 * threads as u64,
        rss,
        slots_before,
        slots_after: registry.slots_ever_used(),
        len_after: registry.len(),
    }
}

#[cfg(feature = "wasmtime")]
mod wasmtime {
    use super::*;
    use crate::hierarchy::hierarchy;
    use crate::wasmtime_engine::WasmtimeEngine;

    pub(super) fn is_subtype() -> Prepared {
        let h = hierarchy();
        let types = WasmtimeEngine::new().struct_hierarchy(&h.module);
        let pairs = h.pairs.clone();
        timed_loop(move |thread, i| {
            let (sub, sup) = sample(&pairs, thread, i);
            black_box(types[sub].matches(&types[sup]));
        })
    }

    pub(super) fn register_hot() -> Prepared {
        let engine = WasmtimeEngine::new();
        let (params, results) = engine.func_signature(&hot_type());
        let keeper = engine.func_type(&params, &results);
        timed_loop(move |_, _| {
            let _keep = &keeper;
            black_box(engine.func_type(&params, &results));
        })
    }

    /// Each thread creates and drops its own types: `create(engine, input)`
    /// for the inputs `convert` made of [`disjoint_types`].
    fn register_disjoint<I: Send + Sync + 'static, T: 'static>(
        make: fn(u64) -> SubType,
        convert: fn(&WasmtimeEngine, &SubType) -> I,
        create: fn(&WasmtimeEngine, &I) -> T,
    ) -> Prepared {
        let engine = WasmtimeEngine::new();
        let inputs: Vec<Vec<I>> =
            disjoint_types(make).iter().map(|own| own.iter().map(|ty| convert(&engine, ty)).collect()).collect();
        timed_loop(move |thread, i| {
            black_box(create(&engine, &inputs[thread][i % DISJOINT_TYPES]));
        })
    }

    pub(super) fn register_disjoint_func() -> Prepared {
        register_disjoint(shapes::numbered_func_type, WasmtimeEngine::func_signature, |engine, (params, results)| {
            engine.func_type(params, results)
        })
    }

    pub(super) fn register_disjoint_struct() -> Prepared {
        register_disjoint(shapes::numbered_struct_type, WasmtimeEngine::struct_fields, |engine, fields| {
            engine.struct_type(true, None, fields)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cached::cache_hit_rate;
    use crate::hierarchy::{hierarchy, LARGE_PAIRS, SAMPLES, SMALL_PAIRS};

    /// Every workload runs on every comparator it lists, and the registries
    /// end as they started.
    #[test]
    fn every_workload_runs_on_every_comparator() {
        for workload in Workload::ALL {
            for comparator in workload.comparators() {
                let prepared = workload.prepare(comparator).expect("listed comparators apply");
                assert_eq!(prepared.elements_per_iter, workload.elements_per_iter(), "{workload:?}");
                assert_eq!(prepared.long_iterations, workload.long_iterations(), "{workload:?}");
                prepared.measure(2, 3);
            }
        }
    }

    #[test]
    fn churn_leaves_the_registries_empty_and_reuses_slots() {
        let ours = churn_memory::<TypeRegistry>(2, 200);
        assert_eq!(ours.rss.len(), 5);
        assert_eq!(ours.len_after, 0);
        assert!(ours.slots_after <= ours.slots_before + 16, "{ours:?}");
        let theirs = churn_memory::<GlobalLockRegistry>(2, 200);
        assert_eq!(theirs.len_after, 0);
        assert!(theirs.slots_after <= theirs.slots_before + 16, "{theirs:?}");
    }

    #[test]
    fn the_limit_agrees_with_the_registry() {
        let h = hierarchy();
        let registry = TypeRegistry::new();
        let collection = registry.register_module(&h.module).unwrap();
        let shared = collection.engine_types();
        let table = SupertypeTable::copy_from(&registry, shared);
        for &(a, b) in &h.pairs {
            assert_eq!(table.is_subtype(shared[a], shared[b]), registry.is_subtype(shared[a], shared[b]));
        }
        assert!(h.pairs.iter().filter(|&&(a, b)| registry.is_subtype(shared[a], shared[b])).count() > SAMPLES / 3);
    }

    /// The small pair set lives in the subtype cache; the large one misses it.
    #[test]
    fn the_pair_sets_hit_and_miss_the_subtype_cache() {
        let registry = TypeRegistry::new();
        let (_types, small, _) = registered_samples(&registry, PairSet::Small);
        let (_again, large, _) = registered_samples(&registry, PairSet::Large);
        assert_eq!((small.len(), large.len()), (SMALL_PAIRS, LARGE_PAIRS));
        let small_rate = cache_hit_rate(&small, 10);
        assert!(small_rate > 0.85, "small set hit rate {small_rate}");
        let large_rate = cache_hit_rate(&large[..1 << 17], 1);
        assert!(large_rate < 0.05, "large set hit rate {large_rate}");
    }
}
