//! `TypeRegistry::matches` on value and heap types against an independent
//! oracle: for every pair of reference types over all abstract heap types
//! and a few concrete ones, nullable or not, wasmparser's validator accepts
//! `(func (param A) (result B) (local.get 0))` exactly when the registry
//! says `A` matches `B`.

use wasm_type_registry::{
    AbstractHeapType as A, HeapType, LinkError, ModuleInfo, ModuleTypeIndex, RefType, TypeRef, TypeRegistry, ValType,
};

use crate::common::{field, wat};

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
    let module = ModuleInfo::from_wasm(&wat(&format!("(module {TYPES})"))).unwrap().types;
    let types = registry.register_module(&module).unwrap();
    // Each heap type with its text.
    let mut heap_types: Vec<(HeapType, String)> =
        ABSTRACT.iter().map(|&(h, text)| (HeapType::Abstract(h), text.to_string())).collect();
    for (i, name) in ["$s", "$s2", "$a", "$f", "$f2"].into_iter().enumerate() {
        let shared = types.engine_type(ModuleTypeIndex::from_u32(i as u32)).unwrap();
        heap_types.push((HeapType::Concrete(TypeRef::Engine(shared)), name.to_string()));
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
            let bytes = wat(&format!("(module {TYPES} (func (param {a_text}) (result {b_text}) (local.get 0)))"));
            let oracle = validator.validate_all(&bytes).is_ok();
            validator.reset();
            let ours = registry.matches(&ValType::Ref(*a), &ValType::Ref(*b)).unwrap();
            if ours != oracle {
                mismatches.push(format!("{a_text} <: {b_text}: wasmparser {oracle}, registry {ours}"));
            }
            if a.nullable && b.nullable && registry.matches(&a.heap_type, &b.heap_type).unwrap() != oracle {
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
            assert_eq!(registry.matches(&a, &b).unwrap(), a == b);
        }
        assert!(!registry.matches(&a, &ValType::Ref(RefType::nullable(A::Any))).unwrap());
    }
}

/// The two answers module-form references used to get by accident,
/// `(ref 0) <: (ref 0)` true and `(ref 0) <: structref` false whatever type
/// 0 is, are now refusals that say what to do.
#[test]
fn module_form_references_are_refused_not_answered() {
    let registry = TypeRegistry::new();
    let module_ref = ValType::Ref(RefType::concrete(false, TypeRef::Module(ModuleTypeIndex::from_u32(0))));
    let structref = ValType::Ref(RefType::nullable(A::Struct));
    for (a, b) in [(module_ref, module_ref), (module_ref, structref), (structref, module_ref)] {
        let err = registry.matches(&a, &b).unwrap_err();
        assert!(matches!(err, LinkError::NotEngineForm { reference: TypeRef::Module(_) }), "{err}");
        assert!(err.to_string().contains("(ref 0)") || err.to_string().contains("reference 0"), "{err}");
    }
    let rec = HeapType::Concrete(TypeRef::RecGroup(0));
    assert!(matches!(registry.matches(&rec, &rec), Err(LinkError::NotEngineForm { .. })));
}

/// Structural matching of composite types in the open: width and depth
/// subtyping of structs, invariance of mutable fields, arrays, and
/// contravariant parameters.
#[test]
fn composite_types_match_structurally() {
    use wasm_type_registry::{ArrayType, CompositeType, FieldType, StorageType, StructType, SubType};
    let registry = TypeRegistry::new();
    let module = ModuleInfo::from_wasm(&wat(&format!("(module {TYPES})"))).unwrap().types;
    let types = registry.register_module(&module).unwrap();
    let shared = |i| {
        ValType::Ref(RefType::concrete(true, TypeRef::Engine(types.engine_type(ModuleTypeIndex::from_u32(i)).unwrap())))
    };
    let (s, s2) = (shared(0), shared(1));
    let strukt = |fields: Vec<FieldType>| StructType::new(fields);
    // Width: more fields match fewer.
    let wide = strukt(vec![field(false, s2), field(false, ValType::I32)]);
    let narrow = strukt(vec![field(false, s)]);
    assert!(registry.matches(&wide, &narrow).unwrap());
    assert!(!registry.matches(&narrow, &wide).unwrap());
    // Mutable fields are invariant.
    let (mut_s, mut_s2) = (strukt(vec![field(true, s)]), strukt(vec![field(true, s2)]));
    assert!(!registry.matches(&mut_s2, &mut_s).unwrap());
    assert!(registry.equivalent(&mut_s, &mut_s).unwrap());
    assert!(registry.matches(&field(false, s2), &field(false, s)).unwrap());
    assert!(!registry.matches(&field(true, s2), &field(true, s)).unwrap());
    // Packed storage only matches itself.
    assert!(!registry.matches(&StorageType::I8, &StorageType::I16).unwrap());
    let arrays = (ArrayType { element: field(false, s2) }, ArrayType { element: field(false, s) });
    assert!(registry.matches(&arrays.0, &arrays.1).unwrap());
    assert!(!registry.matches(&arrays.1, &arrays.0).unwrap());
    // A struct never matches an array or a function.
    let composite = |ty: SubType| ty.composite;
    let array = composite(SubType::array(true, None, field(false, s)));
    assert!(!registry.matches(&CompositeType::Struct(narrow.clone()), &array).unwrap());
    // Parameters are contravariant.
    let takes = |ty| composite(SubType::func([ty], []));
    assert!(registry.matches(&takes(s), &takes(s2)).unwrap());
    assert!(!registry.matches(&takes(s2), &takes(s)).unwrap());
    // A module-form reference anywhere inside is refused.
    let module_form = strukt(vec![field(
        false,
        ValType::Ref(RefType::concrete(true, TypeRef::Module(ModuleTypeIndex::from_u32(0)))),
    )]);
    assert!(registry.matches(&module_form, &narrow).is_err());
    assert!(registry.equivalent(&narrow, &module_form).is_err());
}
