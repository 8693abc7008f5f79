//! Checked keys and `contains`: an index or key whose type is gone, or that
//! belongs to another registry, names nothing.

use wasm_type_registry::*;

use crate::common::field;

/// A module of `n` struct types, each distinct: type `i` has `i % 7 + 1`
/// fields of a type picked by `seed`.
fn module(n: usize, seed: usize) -> ModuleTypes {
    let vals = [ValType::I32, ValType::I64, ValType::F32, ValType::F64];
    let mut builder = ModuleTypes::builder();
    for i in 0..n {
        let mut fields: Vec<FieldType> =
            (0..i % 7 + 1).map(|f| field(false, vals[(i + f + seed) % vals.len()])).collect();
        // Types of the same shape differ in how many i32s follow.
        fields.extend((0..i / 7).map(|_| field(false, ValType::I32)));
        builder.sub_type(SubType::struct_(true, None, fields));
    }
    builder.build().unwrap()
}

#[test]
fn contains_follows_registration() {
    let registry = TypeRegistry::new();
    assert!(!registry.contains(EngineTypeIndex::from_u32(0)), "a never-used index");
    let ty = registry.register_type(SubType::func([], [])).unwrap();
    let index = ty.index();
    assert!(registry.contains(index));
    assert!(!registry.contains(EngineTypeIndex::from_u32(index.as_u32() + 1)));
    drop(ty);
    assert!(!registry.contains(index));
}

#[test]
fn every_handle_hands_out_the_same_key() {
    let registry = TypeRegistry::new();
    let types = registry.register_module(&module(5, 0)).unwrap();
    for (i, &index) in types.engine_types().iter().enumerate() {
        let key = types.key(ModuleTypeIndex::from_u32(i as u32)).unwrap();
        assert_eq!(key.index(), index);
        assert_eq!(registry.key(index), Some(key));
        assert_eq!(registry.root(index).unwrap().key(), key);
        assert_eq!(registry.borrow(key), registry.borrow(index));
        assert!(registry.contains(key));
        let rooted = registry.root(key).unwrap();
        assert_eq!(rooted.index(), index);
    }
    assert!(types.key(ModuleTypeIndex::from_u32(5)).is_none());
}

/// What a side table keyed by bare indices got wrong (another type's data
/// for over a third of the indices after reuse, silently): keyed by
/// `TypeKey`, every stale entry misses, and the new types' keys are new.
#[test]
fn stale_keys_after_index_reuse_name_nothing() {
    let registry = TypeRegistry::new();
    let first = registry.register_module(&module(300, 0)).unwrap();
    let old: Vec<(TypeKey, std::sync::Arc<SubType>)> = first
        .engine_types()
        .iter()
        .map(|&index| (registry.key(index).unwrap(), registry.borrow(index).unwrap()))
        .collect();
    drop(first);
    let second = registry.register_module(&module(300, 1)).unwrap();

    let mut reused = 0;
    for (key, _) in &old {
        assert!(registry.borrow(*key).is_none(), "stale {key:?} borrowed a type");
        assert!(!registry.contains(*key));
        assert!(registry.root(*key).is_none());
        if registry.contains(key.index()) {
            reused += 1;
            // The bare index resolves to a new type of the same slot.
            assert!(registry.borrow(key.index()).is_some());
            assert_ne!(registry.key(key.index()), Some(*key));
        }
    }
    assert_eq!(reused, 300, "the scenario needs the indices reused");
    // An equal type registered again is a new registration: a new key.
    drop(second);
    let again = registry.register_module(&module(300, 0)).unwrap();
    for (i, (key, ty)) in old.iter().enumerate() {
        let new_key = again.key(ModuleTypeIndex::from_u32(i as u32)).unwrap();
        assert_ne!(new_key, *key);
        assert_eq!(registry.borrow(new_key).as_deref(), Some(&**ty));
    }
}

#[test]
fn keys_of_another_registry_are_refused_even_at_a_live_index() {
    let a = TypeRegistry::new();
    let b = TypeRegistry::new();
    let in_a = a.register_type(SubType::func([ValType::I32], [])).unwrap();
    let in_b = b.register_type(SubType::func([ValType::I32], [])).unwrap();
    // Same index, same generation, same type: only the identity differs.
    assert_eq!(in_a.index(), in_b.index());
    assert_ne!(in_a.key(), in_b.key());
    assert!(b.borrow(in_a.key()).is_none());
    assert!(!b.contains(in_a.key()));
    assert!(b.root(in_a.key()).is_none());
    assert!(a.contains(in_a.key()));

    // A registry created after another was dropped gets a new identity too.
    let key = in_a.key();
    drop((in_a, a));
    let c = TypeRegistry::new();
    let _in_c = c.register_type(SubType::func([ValType::I32], [])).unwrap();
    assert!(c.borrow(key).is_none());
}
