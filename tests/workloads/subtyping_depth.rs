//! `is_subtype` on hierarchies deeper than the supertypes a slot holds
//! inline: the answer must not depend on where the chain is stored.

use wasm_type_registry::{ModuleTypes, SubType, TypeRef, TypeRegistry, MAX_SUBTYPING_DEPTH};

/// A single chain of struct types, each extending the previous one, as deep
/// as Wasm allows (63 supertypes), split across several rec groups.
fn deepest_chain() -> ModuleTypes {
    let mut builder = ModuleTypes::builder();
    let mut previous = None;
    for _ in 0..=MAX_SUBTYPING_DEPTH {
        previous = Some(builder.sub_type(SubType::struct_(false, previous.map(TypeRef::Module), [])));
    }
    builder.build().unwrap()
}

#[test]
fn every_pair_on_the_deepest_chain() {
    let registry = TypeRegistry::new();
    let types = registry.register_module(&deepest_chain()).unwrap();
    let chain = types.engine_types();
    for (i, &sub) in chain.iter().enumerate() {
        for (j, &sup) in chain.iter().enumerate() {
            assert_eq!(registry.is_subtype(sub, sup), j <= i, "type at depth {i} <: type at depth {j}");
        }
    }
}

#[test]
fn deep_types_reuse_slots_of_shallow_ones_and_back() {
    let registry = TypeRegistry::new();
    let deep = registry.register_module(&deepest_chain()).unwrap();
    let deep_indices = deep.engine_types().to_vec();
    drop(deep);
    // Flat types now take the freed slots; none of them has a supertype.
    let mut builder = ModuleTypes::builder();
    for n in 0..=MAX_SUBTYPING_DEPTH {
        builder.sub_type(wasm_type_shapes::numbered_struct_type(n as u64));
    }
    let flat = registry.register_module(&builder.build().unwrap()).unwrap();
    let reused = flat.engine_types().iter().filter(|i| deep_indices.contains(i)).count();
    assert!(reused > MAX_SUBTYPING_DEPTH / 2, "freed slots are reused ({reused})");
    for &a in flat.engine_types() {
        for &b in flat.engine_types() {
            assert_eq!(registry.is_subtype(a, b), a == b);
        }
    }
    drop(flat);
    let deep = registry.register_module(&deepest_chain()).unwrap();
    let chain = deep.engine_types();
    assert!(registry.is_subtype(chain[MAX_SUBTYPING_DEPTH], chain[0]));
    assert!(registry.is_subtype(chain[MAX_SUBTYPING_DEPTH], chain[MAX_SUBTYPING_DEPTH - 1]));
    assert!(!registry.is_subtype(chain[MAX_SUBTYPING_DEPTH - 1], chain[MAX_SUBTYPING_DEPTH]));
}
