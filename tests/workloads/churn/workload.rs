//! The churn workload: threads register fresh types, keep each for a while
//! and drop it, so that the registry's live set stays small while the
//! number of types it has ever seen grows without bound. Shared by
//! `tests/workloads/churn.rs` (assertions) and `examples/churn.rs`
//! (resident memory).

use std::collections::VecDeque;
use std::sync::{Arc, Weak};

use wasm_type_registry::*;
use wasm_type_shapes::numbered_func_type;

/// How much churn to make.
#[derive(Clone, Copy, Debug)]
pub struct Churn {
    /// Worker threads.
    pub threads: usize,
    /// Fresh types to register in all, over all threads.
    pub types: u64,
    /// How many registrations each thread holds at once before dropping its
    /// oldest.
    pub window: usize,
    /// Keep a `Weak` on every `sample_every`-th type's payload.
    pub sample_every: u64,
    /// Where the numbering of fresh types starts, so that consecutive runs
    /// make different types.
    pub first: u64,
}

/// Types in one unit of work: a `RegisteredType` has one; a module has
/// three (and a trampoline type, shared by every such module, that is not
/// counted as fresh).
const MODULE_TYPES: u64 = 3;

/// What a churn run saw.
pub struct ChurnReport {
    /// Fresh types registered (trampoline types not counted).
    pub types: u64,
    /// Weak references to sampled payloads, all of whose handles are gone.
    pub samples: Vec<Weak<SubType>>,
}

impl Churn {
    /// An upper bound for the registry's index high-water mark under this
    /// workload if freed indices are reused: at any moment a thread holds
    /// `window` units and registers one more, each of at most
    /// `MODULE_TYPES` types, plus the shared trampoline type, which a
    /// thread may be registering again while it is being unregistered.
    pub fn slot_bound(&self) -> usize {
        self.threads * ((self.window + 1) * MODULE_TYPES as usize + 1)
    }

    /// Runs the workload against `registry`. When it returns, every handle
    /// it took is dropped.
    pub fn run(&self, registry: &TypeRegistry) -> ChurnReport {
        let per_thread = self.types.div_ceil(self.threads as u64);
        let results: Vec<(u64, Vec<Weak<SubType>>)> = std::thread::scope(|s| {
            let workers: Vec<_> =
                (0..self.threads as u64).map(|t| s.spawn(move || self.worker(registry, t, per_thread))).collect();
            workers.into_iter().map(|w| w.join().unwrap()).collect()
        });
        let mut report = ChurnReport { types: 0, samples: Vec::new() };
        for (types, samples) in results {
            report.types += types;
            report.samples.extend(samples);
        }
        report
    }

    fn worker(&self, registry: &TypeRegistry, thread: u64, quota: u64) -> (u64, Vec<Weak<SubType>>) {
        enum Unit {
            Type(RegisteredType),
            Module(TypeCollection),
        }
        let mut held: VecDeque<Unit> = VecDeque::with_capacity(self.window + 1);
        let mut samples = Vec::new();
        let mut types = 0;
        let mut i = 0;
        while types < quota {
            // Unique over all threads and iterations.
            let n = self.first + i * self.threads as u64 + thread;
            i += 1;
            let (unit, index) = if n % 4 == 3 {
                let module = fresh_module(n);
                let collection = registry.register_module(&module).expect("a fresh module is valid");
                types += MODULE_TYPES;
                let index = collection.engine_types()[0];
                (Unit::Module(collection), index)
            } else {
                let ty = registry.register_type(numbered_func_type(n)).expect("a fresh type is valid");
                types += 1;
                let index = ty.index();
                (Unit::Type(ty), index)
            };
            if n.is_multiple_of(self.sample_every) {
                let payload = registry.borrow(index).expect("a held type is registered");
                samples.push(Arc::downgrade(&payload));
            }
            held.push_back(unit);
            if held.len() > self.window {
                drop(held.pop_front());
            }
        }
        drop(held);
        (types, samples)
    }
}

/// `(rec (type $s (struct (field (ref $f)))) (type $f <numbered n>) (type (func (param (ref $s)) (result i32))))`:
/// fresh through `$f`, with references inside the group and a function type
/// that needs a trampoline type.
fn fresh_module(n: u64) -> ModuleTypes {
    let mut builder = ModuleTypes::builder();
    let first = builder.next_index().as_u32();
    let s = TypeRef::Module(ModuleTypeIndex::from_u32(first));
    let f = TypeRef::Module(ModuleTypeIndex::from_u32(first + 1));
    let field = FieldType { mutable: false, storage: StorageType::Val(ValType::Ref(RefType::concrete(false, f))) };
    builder.rec_group([
        SubType::struct_(true, None, [field]),
        numbered_func_type(n),
        SubType::func([ValType::Ref(RefType::concrete(false, s))], [ValType::I32]),
    ]);
    builder.build().expect("a fresh module is valid")
}

/// Flushes the registry's own collector until every sample's payload has
/// been freed, at most `limit` times; returns how many flushes it took, or
/// `None` if some payload is still alive after `limit`.
pub fn reclaim(registry: &TypeRegistry, samples: &[Weak<SubType>], limit: usize) -> Option<usize> {
    for flushes in 0..=limit {
        if samples.iter().all(|w| w.strong_count() == 0) {
            return Some(flushes);
        }
        registry.flush();
    }
    None
}

/// This process's resident set size and its peak, in KiB, from
/// `/proc/self/status` (Linux).
pub fn resident_kib() -> Option<(u64, u64)> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let field = |name: &str| {
        status.lines().find_map(|line| line.strip_prefix(name)?.trim().strip_suffix("kB")?.trim().parse::<u64>().ok())
    };
    Some((field("VmRSS:")?, field("VmHWM:")?))
}
