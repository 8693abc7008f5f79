//! `val_type_matches` and `heap_type_matches` against an independent
//! oracle: for every pair of reference types over all abstract heap types
//! and a few concrete ones, nullable or not, wasmparser's validator accepts
//! `(func (param A) (result B) (local.get 0))` exactly when the registry
//! says `A` matches `B`.

use wasm_type_registry::{
    AbstractHeapType as A, HeapType, ModuleTypeIndex, ModuleTypes, RefType, TypeRef, TypeRegistry, ValType,
};

const TYPES: &str = "(type $s (sub (struct))) (type $s2 (sub $s (struct (field i32)))) \
                     (type $a (array i8)) (type $f (sub (func))) (type $f2 (sub $f (func)))";

const ABSTRACT: [(A, &str); 12] = [
    (A::Func, "func"),
    (A::NoFunc, "nofunc"),
    (A::Extern, "extern"),
    (A::NoExtern, "noextern"),
    (A::Any, "any"),
    (A::Eq, "eq"),
    (A::I31, "i31"),
    (A::Struct, "struct"),
    (A::Array, "array"),
    (A::None, "none"),
    (A::Exn, "exn"),
    (A::NoExn, "noexn"),
];

#[test]
fn reference_type_matching_agrees_with_wasmparser() {
    let registry = TypeRegistry::new();
    let module = ModuleTypes::from_wasm(&wasm_type_shapes::wat(&format!("(module {TYPES})"))).unwrap();
    let types = registry.register_module(&module).unwrap();
    // Each heap type with its text.
    let mut heap_types: Vec<(HeapType, String)> =
        ABSTRACT.iter().map(|&(h, text)| (HeapType::Abstract(h), text.to_string())).collect();
    for (i, name) in ["$s", "$s2", "$a", "$f", "$f2"].into_iter().enumerate() {
        let shared = types.shared_type(ModuleTypeIndex::from_u32(i as u32)).unwrap();
        heap_types.push((HeapType::Concrete(TypeRef::Shared(shared)), name.to_string()));
    }
    let ref_types: Vec<(RefType, String)> = heap_types
        .iter()
        .flat_map(|(heap_type, text)| {
            [true, false].map(|nullable| {
                let text = format!("(ref {}{text})", if nullable { "null " } else { "" });
                (RefType { nullable, heap_type: *heap_type }, text)
            })
        })
        .collect();
    let mut validator = wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::WASM3);
    let (mut matches, mut mismatches) = (0, Vec::new());
    for (a, a_text) in &ref_types {
        for (b, b_text) in &ref_types {
            let bytes = wasm_type_shapes::wat(&format!(
                "(module {TYPES} (func (param {a_text}) (result {b_text}) (local.get 0)))"
            ));
            let oracle = validator.validate_all(&bytes).is_ok();
            validator.reset();
            let ours = registry.val_type_matches(&ValType::Ref(*a), &ValType::Ref(*b)).unwrap();
            if ours != oracle {
                mismatches.push(format!("{a_text} <: {b_text}: wasmparser {oracle}, registry {ours}"));
            }
            if a.nullable && b.nullable && registry.heap_type_matches(&a.heap_type, &b.heap_type).unwrap() != oracle {
                mismatches.push(format!("heap types of {a_text} <: {b_text}: wasmparser {oracle}"));
            }
            matches += usize::from(oracle);
        }
    }
    assert!(mismatches.is_empty(), "{} disagreements:\n{}", mismatches.len(), mismatches.join("\n"));
    // Not vacuous: both answers occur often.
    let pairs = ref_types.len() * ref_types.len();
    assert!(matches > 100 && pairs - matches > 100, "{matches} of {pairs} pairs match");
    // Numeric types match only themselves.
    for a in [ValType::I32, ValType::I64, ValType::F32, ValType::F64, ValType::V128] {
        for b in [ValType::I32, ValType::I64, ValType::F32, ValType::F64, ValType::V128] {
            assert_eq!(registry.val_type_matches(&a, &b).unwrap(), a == b);
        }
        assert!(!registry.val_type_matches(&a, &ValType::Ref(RefType::nullable(A::Any))).unwrap());
    }
}
