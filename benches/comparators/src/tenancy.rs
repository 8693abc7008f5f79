//! What one tenant's work costs the others on a shared registry: who pays
//! for a big drop, reads across many registries per thread, a reader's
//! stalls beside churn, the heap while a reader's closure runs long, and
//! how often racing registrations run the data function. The `compare`
//! example prints them (`tenancy` section); docs/benchmarks.md quotes them.
//!
//! Single maxima on a 2-core machine measure preemption as much as the
//! registry, so each figure that can be compared is taken on the
//! global-lock port in the same run.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use wasm_type_registry::{
    FieldType, ModuleTypes, RegistryError, StorageType, SubType, TypeDataContext, TypeRegistry, ValType,
};
use wasm_type_shapes as shapes;

use crate::registries::Registry;
use crate::CountingAllocator;

/// A struct type with `fields` `i32` fields and a distinguishing `n` in
/// its first field's mutability pattern: distinct `n` give distinct types.
fn struct_type(n: usize) -> SubType {
    let fields = (0..=usize::BITS - n.leading_zeros())
        .map(|bit| FieldType { mutable: n >> bit & 1 == 1, storage: StorageType::Val(ValType::I32) })
        .collect::<Vec<_>>();
    SubType::struct_(true, None, fields)
}

/// One rec group of `types` distinct struct types.
fn big_group(types: usize) -> ModuleTypes {
    let mut builder = ModuleTypes::builder();
    builder.rec_group((0..types).map(|i| struct_type(i + 1)));
    builder.build().expect("a valid group")
}

/// Another thread's one-type registrations (and drops), timed one by one
/// right after one thread dropped a group of `types` types: the slowest
/// and the median, in microseconds, over `calls` calls.
pub fn after_big_drop<R: Registry>(types: usize, calls: usize) -> (f64, f64) {
    let registry = R::create();
    let module = big_group(types);
    std::thread::scope(|s| {
        s.spawn(|| drop(registry.register_module(&module))).join().expect("the dropping thread");
    });
    let mut times: Vec<f64> = (0..calls)
        .map(|i| {
            let start = Instant::now();
            let handle = registry.register_type(shapes::numbered_func_type(i as u64));
            let elapsed = start.elapsed().as_secs_f64() * 1e6;
            drop(handle);
            elapsed
        })
        .collect();
    times.sort_by(f64::total_cmp);
    registry.flush();
    (times[times.len() - 1], times[times.len() / 2])
}

/// Nanoseconds per `borrow` on one thread that rotates over `count`
/// registries, each with one registered type.
pub fn borrow_across_registries<R: Registry>(count: usize, calls: usize) -> f64 {
    let module = shapes::singleton_groups(1, 1);
    let registries: Vec<(R, R::Collection)> = (0..count)
        .map(|_| {
            let registry = R::create();
            let collection = registry.register_module(&module);
            (registry, collection)
        })
        .collect();
    let start = Instant::now();
    for i in 0..calls {
        let (registry, collection) = &registries[i % count];
        std::hint::black_box(registry.borrow(R::engine_types(collection)[0]));
    }
    start.elapsed().as_nanos() as f64 / calls as f64
}

/// Calls of `borrow` taking 1 ms or more, and the slowest in microseconds,
/// over `duration` on one thread while another registers and drops groups
/// of `group_types` types.
pub fn reader_beside_churn<R: Registry>(group_types: usize, duration: Duration) -> (usize, f64) {
    let registry = R::create();
    let kept = registry.register_module(&shapes::singleton_groups(7, 1));
    let index = R::engine_types(&kept)[0];
    let modules: Vec<ModuleTypes> = (0..4)
        .map(|k| {
            let mut builder = ModuleTypes::builder();
            builder.rec_group((0..group_types).map(|i| struct_type(1 + k * group_types + i)));
            builder.build().expect("a valid group")
        })
        .collect();
    let done = AtomicBool::new(false);
    let (slow, worst) = std::thread::scope(|s| {
        s.spawn(|| {
            let mut k = 0;
            while !done.load(Ordering::Relaxed) {
                drop(registry.register_module(&modules[k % modules.len()]));
                k += 1;
            }
        });
        let (mut slow, mut worst) = (0, 0.0f64);
        let end = Instant::now() + duration;
        while Instant::now() < end {
            let start = Instant::now();
            std::hint::black_box(registry.borrow(index));
            let us = start.elapsed().as_secs_f64() * 1e6;
            slow += usize::from(us >= 1_000.0);
            worst = worst.max(us);
        }
        done.store(true, Ordering::Relaxed);
        (slow, worst)
    });
    drop(kept);
    (slow, worst)
}

/// Heap bytes above the start, at the end of a `hold`-long `type_data`
/// closure on one thread while another registers and drops modules of 100
/// singleton types (this crate only: the port has no data). `None` where
/// the binary does not count allocations.
pub fn heap_beside_long_closure(hold: Duration) -> Option<isize> {
    let registry = TypeRegistry::with_type_data(|_: TypeDataContext<'_, u64>| Ok::<_, RegistryError>(0u64));
    let kept = registry.register_type(shapes::numbered_func_type(u64::MAX)).expect("a valid type");
    let module = shapes::singleton_groups(3, 100);
    CountingAllocator::measure(|live| {
        let inside = Barrier::new(2);
        let done = AtomicBool::new(false);
        std::thread::scope(|s| {
            s.spawn(|| {
                registry.type_data::<u64>().expect("u64 data").get(kept.index(), |_| {
                    inside.wait();
                    std::thread::sleep(hold);
                });
                done.store(true, Ordering::Relaxed);
            });
            inside.wait();
            let mut peak = 0;
            while !done.load(Ordering::Relaxed) {
                drop(registry.register_module(&module).expect("a valid module"));
                peak = peak.max(live());
            }
            peak
        })
    })
}

/// Data-function calls when `threads` threads register the dart2wasm-like
/// module at once, and the registry's types (trampolines included) after.
pub fn racing_data_calls(threads: usize) -> (usize, usize) {
    let calls = Arc::new(AtomicUsize::new(0));
    let registry = TypeRegistry::with_type_data({
        let calls = calls.clone();
        move |_: TypeDataContext<'_, ()>| {
            calls.fetch_add(1, Ordering::Relaxed);
            Ok::<_, RegistryError>(())
        }
    });
    let module = shapes::dart2wasm_like(1);
    let start = Barrier::new(threads);
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    start.wait();
                    registry.register_module(&module).expect("a valid module")
                })
            })
            .collect();
        let collections: Vec<_> = handles.into_iter().map(|h| h.join().expect("a registering thread")).collect();
        let types = registry.len();
        drop(collections);
        (calls.load(Ordering::Relaxed), types)
    })
}
