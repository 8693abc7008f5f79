//! Registering the shapes real compilers emit: every shape registers, equal
//! modules share every index, and the registry ends empty.

use wasm_type_registry::{ModuleTypes, TypeRegistry};
use wasm_type_shapes as shapes;

fn register_twice_then_drop(module: &ModuleTypes) {
    let registry = TypeRegistry::new();
    let first = registry.register_module(module).unwrap();
    let len = registry.len();
    let distinct: std::collections::HashSet<_> = first.engine_types().iter().collect();
    assert!(len >= distinct.len(), "{len} registered for {} distinct types", distinct.len());
    let second = registry.register_module(module).unwrap();
    assert_eq!(first.engine_types(), second.engine_types());
    assert_eq!(registry.len(), len, "re-registration must only hit");
    drop(first);
    assert_eq!(registry.len(), len, "the second collection keeps everything registered");
    drop(second);
    assert_eq!(registry.len(), 0);
    assert_eq!(registry.stats().rec_groups, 0);
}

#[test]
fn dart2wasm_like_group() {
    register_twice_then_drop(&shapes::dart2wasm_like(1));
}

#[test]
fn minimized_singleton_groups() {
    register_twice_then_drop(&shapes::singleton_groups(2, 3_500));
}

#[test]
fn struct_hierarchy() {
    let module = shapes::struct_hierarchy(3, 2_000, 10);
    register_twice_then_drop(&module);
}

#[test]
fn small_modules() {
    for seed in 0..50 {
        register_twice_then_drop(&shapes::small_module(seed, 8));
    }
}
