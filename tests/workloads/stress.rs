//! Multi-thread stress tests: bounded in operations *and* time, so they stay
//! a few seconds in CI; the loom models (`loom-tests/`) cover interleavings
//! exhaustively, these sample real ones at scale.

use std::sync::Barrier;
use std::time::Duration;

use wasm_type_registry::*;
use wasm_type_shapes::workload::{self, Config, OPERATIONS};

/// Threads for the tests: more than this machine's cores on purpose, so the
/// scheduler preempts threads in the middle of operations.
const THREADS: usize = 4;

fn assert_empty(registry: &TypeRegistry) {
    let stats = registry.stats();
    assert_eq!(registry.len(), 0, "{stats:?}");
    assert_eq!(stats.rec_groups, 0, "{stats:?}");
    assert_eq!(stats.free_slots, stats.slots_ever_used, "every index is free again: {stats:?}");
    // Every thread was joined, and a thread hands its garbage over as it
    // ends, so the registry's collector frees all it holds.
    let stats = crate::common::flush_until_empty(registry);
    assert_eq!(stats.pending_frees, 0, "garbage left after flush: {stats:?}");
}

#[test]
fn mixed_workload_ends_empty() {
    let registry = TypeRegistry::new();
    let config = Config {
        threads: THREADS,
        duration: Duration::from_secs(2),
        max_ops_per_thread: if cfg!(debug_assertions) { 20_000 } else { 200_000 },
        seed: 0xfeed,
    };
    let report = workload::run(&registry, &config);
    for (name, count) in OPERATIONS.iter().zip(report.counts) {
        assert!(count > 0, "the workload never ran `{name}`: {report:?}");
    }
    assert_empty(&registry);
}

#[test]
fn threads_registering_one_module_get_identical_indices() {
    let registry = TypeRegistry::new();
    let modules = [wasm_type_shapes::small_module(1, 12), wasm_type_shapes::singleton_groups(2, 300)];
    for module in &modules {
        for _round in 0..20 {
            let barrier = Barrier::new(THREADS);
            let collections: Vec<TypeCollection> = std::thread::scope(|s| {
                let handles: Vec<_> = (0..THREADS)
                    .map(|_| {
                        s.spawn(|| {
                            barrier.wait();
                            registry.register_module(module).unwrap()
                        })
                    })
                    .collect();
                handles.into_iter().map(|h| h.join().unwrap()).collect()
            });
            for c in &collections[1..] {
                assert_eq!(c.engine_types(), collections[0].engine_types());
            }
            drop(collections);
            assert_empty(&registry);
        }
    }
}

#[test]
fn root_races_the_last_drop() {
    // One thread creates and drops a type over and over; others root its
    // index. A successful root must hold the same type until dropped, and a
    // failed one means the type was (being) unregistered.
    let registry = TypeRegistry::new();
    let ty = SubType::struct_(true, None, [FieldType { mutable: false, storage: StorageType::I16 }]);
    let index = registry.register_type(ty.clone()).unwrap().index();
    let rounds = if cfg!(debug_assertions) { 5_000 } else { 50_000 };
    std::thread::scope(|s| {
        let writer = s.spawn(|| {
            for _ in 0..rounds {
                drop(registry.register_type(ty.clone()).unwrap());
            }
        });
        let readers: Vec<_> = (1..THREADS)
            .map(|_| {
                s.spawn(|| {
                    let mut rooted = 0u64;
                    for _ in 0..rounds {
                        if let Some(handle) = registry.root(index) {
                            assert_eq!(*handle, ty);
                            assert_eq!(*registry.borrow(index).unwrap(), ty, "a rooted type stays registered");
                            rooted += 1;
                        }
                    }
                    rooted
                })
            })
            .collect();
        // Joined, not left to the scope: a join also waits for the thread's
        // locals to be destroyed, which hands its garbage over.
        writer.join().unwrap();
        for reader in readers {
            reader.join().unwrap();
        }
    });
    assert_empty(&registry);
}

#[test]
fn subtype_answers_hold_while_indices_churn() {
    // Readers check a fixed hierarchy while writers register and drop other
    // types, reusing freed indices all the time.
    let registry = TypeRegistry::new();
    let module = wasm_type_shapes::struct_hierarchy(9, 400, 10);
    let held = registry.register_module(&module).unwrap();
    let pairs: Vec<(EngineTypeIndex, EngineTypeIndex)> = module
        .types()
        .iter()
        .enumerate()
        .filter_map(|(i, t)| match t.supertype {
            Some(TypeRef::Module(sup)) => {
                Some((held.engine_type(ModuleTypeIndex::from_u32(i as u32))?, held.engine_type(sup)?))
            }
            _ => None,
        })
        .filter(|(sub, sup)| sub != sup)
        .collect();
    let rounds = if cfg!(debug_assertions) { 2_000 } else { 20_000 };
    std::thread::scope(|s| {
        let writers: Vec<_> = (0..2u64)
            .map(|w| {
                let registry = &registry;
                s.spawn(move || {
                    for n in 0..rounds {
                        let ty = wasm_type_shapes::numbered_func_type((w << 32) | (n % 64));
                        drop(registry.register_type(ty).unwrap());
                    }
                })
            })
            .collect();
        for _ in 2..THREADS {
            s.spawn(|| {
                for _ in 0..rounds / 100 {
                    for &(sub, sup) in &pairs {
                        assert!(registry.is_subtype(sub, sup));
                        assert!(!registry.is_subtype(sup, sub));
                    }
                }
            });
        }
        // Joined (see `root_races_the_last_drop`).
        writers.into_iter().for_each(|writer| writer.join().unwrap());
    });
    drop(held);
    assert_empty(&registry);
}
