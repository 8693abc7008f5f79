//! The subtype check three ways, on the same pairs, one thread: the
//! registry's `is_subtype`, the inline sequence compiled code runs over
//! `DisplayView` (`DisplayView::is_subtype_at_depth`), and the
//! unsynchronized limit (the same check on a plain `Vec` of supertype
//! arrays).
//!
//! Pairs: 4,096 (sub, sup) pairs over a dart2wasm-like module's structs,
//! `sup` at a display depth, about a third of them related.
//!
//! ```text
//! cargo bench --bench display_view
//! ```

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use wasm_type_registry::{CompositeType, EngineTypeIndex, TypeRegistry};
use wasm_type_registry_bench::SupertypeTable;
use wasm_type_shapes as shapes;

fn checks(c: &mut Criterion) {
    let registry = TypeRegistry::new();
    let types = registry.register_module(&shapes::dart2wasm_like(1)).unwrap();
    let view = registry.display_view();
    let structs: Vec<EngineTypeIndex> = types
        .engine_types()
        .iter()
        .copied()
        .filter(|&index| matches!(registry.borrow(index).unwrap().composite, CompositeType::Struct(_)))
        .collect();
    // (sub, sup, sup's depth): half the sups an ancestor of sub, half any struct.
    let mut rng = shapes::Rng::new(7);
    let pairs: Vec<(EngineTypeIndex, EngineTypeIndex, usize)> = (0..4096)
        .map(|i| {
            let sub = *rng.pick(&structs);
            let chain = registry.supertypes(sub).unwrap();
            let sup = if i % 2 == 0 && !chain.is_empty() { *rng.pick(&chain) } else { *rng.pick(&structs) };
            (sub, sup, registry.depth(sup).unwrap())
        })
        .filter(|&(_, _, depth)| depth < view.display_len as usize)
        .collect();
    let limit = SupertypeTable::copy_from(&registry, types.engine_types());

    let mut group = c.benchmark_group("display_view");
    group.warm_up_time(Duration::from_millis(300)).measurement_time(Duration::from_secs(2)).sample_size(30);
    group.throughput(Throughput::Elements(pairs.len() as u64));
    group.bench_function("is_subtype", |b| {
        b.iter(|| pairs.iter().filter(|&&(sub, sup, _)| registry.is_subtype(black_box(sub), sup)).count())
    });
    group.bench_function("jit_sequence", |b| {
        b.iter(|| {
            pairs
                .iter()
                .filter(|&&(sub, sup, d)| view.is_subtype_at_depth(&registry, black_box(sub), sup, d) == Some(true))
                .count()
        })
    });
    group.bench_function("limit", |b| {
        b.iter(|| pairs.iter().filter(|&&(sub, sup, _)| limit.is_subtype(black_box(sub), sup)).count())
    });
    group.finish();
}

criterion_group!(benches, checks);
criterion_main!(benches);
