//! The display as compiled code reads it: the load sequence documented on
//! `DisplayView`, run through the raw view
//! (`DisplayView::is_subtype_at_depth`, which the benchmarks time too),
//! agrees with `is_subtype` on the workloads' hierarchies.

use wasm_type_registry::*;
use wasm_type_shapes as shapes;

/// Every pair (`sub` over all types, `sup` over `sups`) where the view can
/// answer: the same answer as `is_subtype`. Returns how many pairs were
/// subtypes, so the caller can check the sample means something.
fn agree_on_every_pair(registry: &TypeRegistry, all: &[EngineTypeIndex], sups: &[EngineTypeIndex]) -> usize {
    let view = registry.display_view();
    let mut related = 0;
    for &sup in sups {
        let d = registry.depth(sup).unwrap();
        if d >= view.display_len as usize {
            continue;
        }
        for &sub in all {
            let expected = registry.is_subtype(sub, sup);
            let inline = view.is_subtype_at_depth(registry, sub, sup, d);
            assert_eq!(inline, Some(expected), "{sub:?} <: {sup:?} at depth {d}");
            related += usize::from(expected && sub != sup);
        }
    }
    related
}

#[test]
fn depth_and_supertypes_by_index() {
    let registry = TypeRegistry::new();
    // A chain of 14 subtypes, each adding a field, past the display's 10
    // depths, beside a random hierarchy.
    let mut builder = ModuleTypes::builder();
    let mut parent = None;
    for n in 0..15 {
        let fields = vec![FieldType { mutable: false, storage: StorageType::Val(ValType::I64) }; n];
        parent = Some(TypeRef::Module(builder.sub_type(SubType::struct_(false, parent, fields))));
    }
    let chain = registry.register_module(&builder.build().unwrap()).unwrap();
    let hierarchy = registry.register_module(&shapes::struct_hierarchy(3, 200, 12)).unwrap();
    let mut deepest = 0;
    for &index in chain.engine_types().iter().chain(hierarchy.engine_types()) {
        let chain = registry.supertypes(index).unwrap();
        assert_eq!(registry.depth(index), Some(chain.len()));
        deepest = deepest.max(chain.len());
        if let Some(&parent) = chain.last() {
            let declared = registry.borrow(index).unwrap().supertype;
            assert_eq!(declared, Some(TypeRef::Engine(parent)));
            assert_eq!(registry.supertypes(parent).unwrap(), chain[..chain.len() - 1]);
        }
        for &ancestor in &chain {
            assert!(registry.is_subtype(index, ancestor));
        }
    }
    assert_eq!(deepest, 14);
    let some = chain.engine_types()[14];
    drop(chain);
    assert_eq!(registry.depth(some), None);
    assert_eq!(registry.supertypes(some), None);
}

#[test]
fn the_jit_sequence_agrees_with_is_subtype_on_struct_hierarchies() {
    let registry = TypeRegistry::new();
    for (seed, count, depth) in [(1, 300, 4), (2, 400, 9), (3, 300, 12)] {
        let types = registry.register_module(&shapes::struct_hierarchy(seed, count, depth)).unwrap();
        let all = types.engine_types();
        assert!(agree_on_every_pair(&registry, all, all) > count, "too few subtype pairs to mean anything");
    }
}

#[test]
fn the_jit_sequence_agrees_with_is_subtype_on_a_dart2wasm_like_module() {
    let registry = TypeRegistry::new();
    let module = shapes::dart2wasm_like(5);
    let types = registry.register_module(&module).unwrap();
    let all = types.engine_types();
    // Every type as `sub`; as `sup` every struct (the only types with
    // subtypes) and a stride of the others.
    let sups: Vec<EngineTypeIndex> = all
        .iter()
        .enumerate()
        .filter(|&(i, &index)| {
            matches!(registry.borrow(index).unwrap().composite, CompositeType::Struct(_)) || i % 97 == 0
        })
        .map(|(_, &index)| index)
        .collect();
    assert!(agree_on_every_pair(&registry, all, &sups) > 1_000);
}
