//! What per-type embedder data costs: registering (and dropping) a
//! dart2wasm-like module in a registry without data, with `D = ()`, and
//! with GC layouts (`wasm_type_registry::gc_layout`); and reading by index (`borrow` next to
//! `type_data`) in a registry without data and in one with layouts.
//!
//! ```text
//! cargo bench --bench type_data
//! ```

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, SamplingMode, Throughput};
use wasm_type_registry::gc_layout::{gc_layout_registry, GcLayout, LayoutConfig};
use wasm_type_registry::{TypeDataContext, TypeRegistry};
use wasm_type_shapes as shapes;

fn unit_registry() -> TypeRegistry {
    TypeRegistry::with_type_data(|_: TypeDataContext<'_, ()>| Ok::<_, std::fmt::Error>(()))
}

fn registration(c: &mut Criterion) {
    let module = shapes::dart2wasm_like(1);
    let mut group = c.benchmark_group("type_data_register");
    group.sampling_mode(SamplingMode::Flat).sample_size(10).measurement_time(Duration::from_secs(3));
    group.throughput(Throughput::Elements(module.len() as u64));
    for (name, registry) in [
        ("no_data", TypeRegistry::new()),
        ("unit_data", unit_registry()),
        ("gc_layout", gc_layout_registry(LayoutConfig::new(8))),
    ] {
        group.bench_function(name, |b| b.iter(|| drop(black_box(registry.register_module(&module).unwrap()))));
    }
    group.finish();
}

fn reads(c: &mut Criterion) {
    let module = shapes::dart2wasm_like(1);
    let plain = TypeRegistry::new();
    let layouts = gc_layout_registry(LayoutConfig::new(8));
    let (plain_types, layout_types) =
        (plain.register_module(&module).unwrap(), layouts.register_module(&module).unwrap());
    let mut group = c.benchmark_group("type_data_read");
    group.warm_up_time(Duration::from_millis(300)).measurement_time(Duration::from_secs(1)).sample_size(20);
    group.throughput(Throughput::Elements(module.len() as u64));
    group.bench_function("borrow_no_data", |b| {
        b.iter(|| plain_types.engine_types().iter().filter(|&&i| plain.borrow(black_box(i)).is_some()).count())
    });
    group.bench_function("borrow_gc_layout", |b| {
        b.iter(|| layout_types.engine_types().iter().filter(|&&i| layouts.borrow(black_box(i)).is_some()).count())
    });
    group.bench_function("type_data_gc_layout", |b| {
        b.iter(|| {
            let sizes = layout_types.engine_types().iter().filter_map(|&i| {
                layouts.type_data::<GcLayout>().unwrap().get(black_box(i), |l| match l {
                    GcLayout::Struct { size, .. } => *size,
                    _ => 0,
                })
            });
            sizes.sum::<u32>()
        })
    });
    group.finish();
}

criterion_group!(benches, registration, reads);
criterion_main!(benches);
