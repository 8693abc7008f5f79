//! The binary front end: the shapes real compilers emit survive a trip
//! through the binary format, register identically from several threads,
//! and bad bytes give errors that say what and where, never a panic.

use std::sync::Barrier;

use wasm_type_registry::{
    AbstractHeapType, CompositeType, FieldType, HeapType, ModuleInfo, ModuleTypes, RefType, RegistryError, StorageType,
    SubType, TypeError, TypeRef, TypeRegistry, ValType,
};
use wasm_type_shapes as shapes;

use crate::common::wat;

fn round_trip(module: &ModuleTypes) {
    let bytes = shapes::encode(module);
    let read = ModuleInfo::from_wasm(&bytes).unwrap_or_else(|e| panic!("{e}")).types;
    assert_eq!(&read, module);
}

#[test]
fn shapes_round_trip_through_the_binary_format() {
    round_trip(&shapes::dart2wasm_like(1));
    round_trip(&shapes::singleton_groups(2, 3_500));
    round_trip(&shapes::struct_hierarchy(3, 500, 12));
    for seed in 0..20 {
        round_trip(&shapes::small_module(seed, 6));
    }
}

/// Every value and storage type, nullable and not, every abstract heap
/// type, empty and explicit singleton rec groups.
fn every_kind_of_type() -> ModuleTypes {
    use AbstractHeapType as A;
    let mut builder = ModuleTypes::builder();
    builder.rec_group([]);
    let base = builder.next_index();
    let mut vals = vec![ValType::I32, ValType::I64, ValType::F32, ValType::F64, ValType::V128];
    for h in [
        A::Func,
        A::NoFunc,
        A::Extern,
        A::NoExtern,
        A::Any,
        A::Eq,
        A::I31,
        A::Struct,
        A::Array,
        A::None,
        A::Exn,
        A::NoExn,
    ] {
        for nullable in [true, false] {
            vals.push(ValType::Ref(RefType { nullable, heap_type: HeapType::Abstract(h) }));
        }
    }
    vals.push(ValType::Ref(RefType::concrete(true, TypeRef::Module(base))));
    vals.push(ValType::Ref(RefType::concrete(false, TypeRef::Module(base))));
    let fields: Vec<FieldType> = vals
        .iter()
        .map(|&v| StorageType::Val(v))
        .chain([StorageType::I8, StorageType::I16])
        .flat_map(|storage| [true, false].map(|mutable| FieldType { mutable, storage }))
        .collect();
    let base_ty = SubType::struct_(false, None, fields.clone());
    let array = SubType::array(false, None, FieldType { mutable: true, storage: StorageType::I8 });
    builder.rec_group([base_ty, array]);
    let mut more_fields = fields;
    more_fields.push(FieldType { mutable: false, storage: StorageType::Val(ValType::I32) });
    builder.rec_group([SubType::struct_(true, Some(TypeRef::Module(base)), more_fields)]);
    builder.sub_type(SubType::func(vals.clone(), vals));
    builder.build().unwrap()
}

#[test]
fn every_kind_of_type_round_trips() {
    let module = every_kind_of_type();
    assert_eq!(module.rec_group_count(), 4);
    round_trip(&module);
}

/// Registering the same binary modules from several threads at once: each
/// thread reads the bytes itself and all get the same engine indices.
#[test]
fn binary_modules_register_identically_from_several_threads() {
    const THREADS: usize = 4;
    let dart = shapes::encode(&shapes::dart2wasm_like(7));
    let singletons = shapes::encode(&shapes::singleton_groups(8, 3_500));
    let registry = TypeRegistry::new();
    let barrier = Barrier::new(THREADS);
    let results: Vec<_> = std::thread::scope(|s| {
        let threads: Vec<_> = (0..THREADS)
            .map(|t| {
                let (registry, barrier, dart, singletons) = (&registry, &barrier, &dart, &singletons);
                s.spawn(move || {
                    let dart = ModuleInfo::from_wasm(dart).unwrap().types;
                    let singletons = ModuleInfo::from_wasm(singletons).unwrap().types;
                    barrier.wait();
                    // Half the threads register in the other order, so that
                    // both modules are new to someone at the same time.
                    if t % 2 == 0 {
                        let d = registry.register_module(&dart).unwrap();
                        (d, registry.register_module(&singletons).unwrap())
                    } else {
                        let s = registry.register_module(&singletons).unwrap();
                        (registry.register_module(&dart).unwrap(), s)
                    }
                })
            })
            .collect();
        threads.into_iter().map(|t| t.join().unwrap()).collect()
    });
    let (first_dart, first_singletons) = &results[0];
    assert_eq!(first_dart.len(), 3_689 + 4_797 + 11);
    assert_eq!(first_singletons.len(), 3_500);
    for (dart, singletons) in &results[1..] {
        assert_eq!(dart.engine_types(), first_dart.engine_types());
        assert_eq!(singletons.engine_types(), first_singletons.engine_types());
    }
    assert!(registry.len() >= 3_689 + 4_797 + 11);
    drop(results);
    assert_eq!(registry.len(), 0);
    assert_eq!(registry.stats().rec_groups, 0);
}

/// A small module with several groups, a subtype and a recursive reference.
fn small_binary() -> Vec<u8> {
    wat(r#"(module
        (type $f (func (param i32) (result i64)))
        (rec (type $a (sub (struct (field (ref null $b))))) (type $b (sub (array (mut i8)))))
        (type $c (sub $a (struct (field (ref null $b)) (field f64))))
        (func (type $f) (i64.const 0)))"#)
}

/// The byte offsets at which a section of `bytes` ends.
fn section_ends(bytes: &[u8]) -> Vec<usize> {
    let mut ends = vec![8];
    for payload in wasmparser::Parser::new(0).parse_all(bytes) {
        if let Some((_, range)) = payload.unwrap().as_section() {
            ends.push(range.end as usize);
        }
    }
    ends
}

#[test]
fn every_truncation_is_an_error_not_a_panic() {
    let bytes = small_binary();
    let full = ModuleInfo::from_wasm(&bytes).unwrap().types;
    assert_eq!((full.len(), full.rec_group_count()), (4, 3));
    let ends = section_ends(&bytes);
    let mut refused = 0;
    for len in 0..bytes.len() {
        match ModuleInfo::from_wasm(&bytes[..len]) {
            Err(RegistryError::InvalidWasm { offset, .. } | RegistryError::InvalidTypeSection { offset, .. }) => {
                assert!(offset <= len, "offset {offset} past the end of {len} bytes");
                refused += 1;
            }
            Err(other) => panic!("truncated to {len} bytes: unexpected {other:?}"),
            // Cut right after a section: a shorter module, unless the
            // function and code sections no longer agree.
            Ok(info) => {
                assert!(ends.contains(&len), "truncated to {len} bytes, inside a section, and accepted");
                assert!(info.types.is_empty() || info.types == full);
            }
        }
    }
    assert!(refused >= bytes.len() - ends.len());
}

#[test]
fn a_type_that_does_not_decode_is_named_with_its_rec_group() {
    let mut bytes = small_binary();
    // The type section is the first section: id 1, one-byte size, count.
    assert_eq!(bytes[8], 1);
    let section = 11..10 + usize::from(bytes[9]);
    // Corrupt the last struct marker: the one of type 3, in rec group 2.
    let last_struct = section.clone().rev().find(|&i| bytes[i] == 0x5f).unwrap();
    bytes[last_struct] = 0x42;
    let err = ModuleInfo::from_wasm(&bytes).unwrap_err();
    match &err {
        RegistryError::InvalidTypeSection { type_index: 3, rec_group: 2, offset, .. } => {
            assert!(section.contains(offset), "{err}")
        }
        other => panic!("expected an error about type 3 in rec group 2, got {other:?}"),
    }
}

#[test]
fn garbage_is_an_error_not_a_panic() {
    let mut rng = shapes::Rng::new(42);
    let mut garbage = |len: usize| (0..len).map(|_| rng.next_u64() as u8).collect::<Vec<u8>>();
    for len in [0, 1, 4, 8, 9, 100, 10_000] {
        let bytes = garbage(len);
        assert!(ModuleInfo::from_wasm(&bytes).is_err());
        // With a valid header the garbage reaches the section parser.
        let mut with_header = b"\0asm\x01\0\0\0".to_vec();
        with_header.extend(&bytes);
        match ModuleInfo::from_wasm(&with_header) {
            Err(RegistryError::InvalidWasm { .. } | RegistryError::InvalidTypeSection { .. }) => {}
            other if len == 0 => assert!(other.unwrap().types.is_empty()),
            other => panic!("{len} bytes of garbage: {other:?}"),
        }
    }
    // Corrupting single bytes of a valid module never panics; some
    // corruptions are still valid modules.
    let bytes = small_binary();
    let mut refused = 0;
    for i in 8..bytes.len() {
        for value in [0x00, 0x7f, 0x80, 0xff, bytes[i].wrapping_add(1)] {
            let mut corrupt = bytes.clone();
            corrupt[i] = value;
            refused += usize::from(ModuleInfo::from_wasm(&corrupt).is_err());
        }
    }
    assert!(refused > 0);
}

/// What `from_wasm`'s rustdoc promises: every section but the function
/// bodies is validated. The first three are the inputs the untrusted-module
/// review found accepted when only the framing was checked.
#[test]
fn every_section_but_function_bodies_is_validated() {
    let section = |id: u8, contents: &[u8]| {
        let mut bytes = b"\0asm\x01\0\0\0".to_vec();
        bytes.push(id);
        bytes.push(contents.len() as u8);
        bytes.extend_from_slice(contents);
        bytes
    };
    let cases: [(&str, Vec<u8>, &str); 7] = [
        ("memory limits that are garbage", section(5, &[0x01, 0xff, 0xff]), "limits"),
        ("an import count of 3 followed by 2 garbage bytes", section(2, &[0x03, 0xaa, 0xbb]), "end"),
        (
            "a global section declaring u32::MAX globals",
            section(6, &[0xff, 0xff, 0xff, 0xff, 0x0f]),
            "declares 4294967295 globals",
        ),
        ("a minimum above the maximum", wat("(module (memory 2 1))"), "minimum"),
        ("a global initializer of the wrong type", wat("(module (global i32 (i64.const 0)))"), "type mismatch"),
        ("an export of a function that does not exist", wat("(module (export \"f\" (func 0)))"), "unknown function"),
        (
            "two exports of one name",
            wat("(module (func) (export \"f\" (func 0)) (export \"f\" (func 0)))"),
            "duplicate",
        ),
    ];
    for (what, bytes, words) in cases {
        match ModuleInfo::from_wasm(&bytes) {
            Err(RegistryError::InvalidWasm { message, offset }) => {
                assert!(message.contains(words), "{what}: {message}");
                assert!(offset >= 8 && offset <= bytes.len(), "{what}: offset {offset}");
            }
            other => panic!("{what}: expected InvalidWasm, got {other:?}"),
        }
    }
    // A body whose instructions are invalid is accepted: bodies are the
    // compiler's to validate, and wasmparser's full validator refuses it.
    let bytes = wat("(module (type (func (result i32))) (func (type 0)))");
    assert_eq!(ModuleInfo::from_wasm(&bytes).unwrap().types.len(), 1);
    let full = wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::WASM3).validate_all(&bytes);
    assert!(full.is_err_and(|e| e.message().contains("type mismatch")));
}

#[test]
fn bad_magic_is_invalid_wasm() {
    let mut bytes = small_binary();
    bytes[0] = b'X';
    let err = ModuleInfo::from_wasm(&bytes).unwrap_err();
    assert!(matches!(err, RegistryError::InvalidWasm { offset: 0, .. }), "{err:?}");
}

/// Validator errors in the type section name the type and its rec group.
#[test]
fn invalid_type_sections_name_type_and_rec_group() {
    let cases: [(&str, u32, u32, &str); 10] = [
        // Inside a rec group of three, the first and the second type refused:
        // the validator names the group, and how many types it had defined
        // when it stopped names the type.
        (
            "(type $a (sub (struct (field i32)))) (rec (type (sub $a (struct (field i64)))) (type (struct)) (type (struct)))",
            1,
            1,
            "sub type",
        ),
        (
            "(type $a (sub (struct (field i32)))) (rec (type (struct)) (type (sub $a (struct (field i64)))) (type (struct)))",
            2,
            1,
            "sub type",
        ),
        // Refused before any of the group's types is defined: a reference
        // past the module's types, a supertype later in the group.
        ("(rec (type (struct)) (type (struct (field (ref 5)))) (type (struct)))", 1, 0, "unknown type"),
        ("(rec (type (struct)) (type (sub 2 (struct))) (type (sub (struct))))", 1, 0, "supertypes must be defined"),
        // A field that does not match the supertype's.
        (
            "(type (func)) (rec (type $a (sub (struct (field i32)))) (type (struct))) (type (sub $a (struct (field i64))))",
            3,
            2,
            "sub type",
        ),
        // Subtyping a final type.
        ("(type $a (struct)) (type (sub $a (struct)))", 1, 1, "sub type"),
        // A reference into a later rec group.
        ("(type (struct (field (ref 1)))) (type (struct))", 0, 0, "unknown type"),
        // The same inside one rec group: the validator names only the group,
        // the registry's structural check finds the type.
        (
            "(type (func)) (rec (type $a (sub (struct (field i32)))) (type (struct)) (type (sub $a (struct (field i64)))))",
            3,
            1,
            "sub type",
        ),
        // A supertype of another kind.
        ("(rec (type (func)) (type $a (sub (array i32))) (type (sub $a (struct))))", 2, 0, "sub type"),
        // A mutable field made immutable.
        ("(type $a (sub (struct (field (mut i32))))) (type (sub $a (struct (field i32))))", 1, 1, "sub type"),
    ];
    for (types, want_type, want_group, want_message) in cases {
        let bytes = wat(&format!("(module {types})"));
        let err = ModuleInfo::from_wasm(&bytes).unwrap_err();
        match &err {
            RegistryError::InvalidTypeSection { type_index, rec_group, message, offset } => {
                assert_eq!((*type_index, *rec_group), (want_type, want_group), "{types}: {err}");
                assert!(message.contains(want_message), "{types}: {err}");
                assert!(*offset > 8 && *offset < bytes.len(), "{types}: {err}");
                let text = err.to_string();
                assert!(text.contains(&format!("type {want_type} (rec group {want_group})")), "{text}");
            }
            other => panic!("{types}: expected InvalidTypeSection, got {other:?}"),
        }
    }
}

#[test]
fn components_are_refused_by_from_wasm() {
    let bytes = wat("(component (core module (type (func))))");
    let err = ModuleInfo::from_wasm(&bytes).unwrap_err();
    assert!(
        matches!(&err, RegistryError::InvalidWasm { offset: 0, message } if message.contains("component")),
        "{err}"
    );
}

/// What a runtime that parses modules itself does: feed each rec group to
/// the builder; the result equals `from_wasm`'s.
#[test]
fn builder_from_parsed_rec_groups_equals_from_wasm() {
    let bytes = shapes::encode(&every_kind_of_type());
    let mut builder = ModuleTypes::builder();
    for payload in wasmparser::Parser::new(0).parse_all(&bytes) {
        if let wasmparser::Payload::TypeSection(reader) = payload.unwrap() {
            for group in reader {
                builder.wasmparser_rec_group(&group.unwrap()).unwrap();
            }
        }
    }
    assert_eq!(builder.build().unwrap(), ModuleInfo::from_wasm(&bytes).unwrap().types);
}

/// A rec-group-relative reference, as wasmparser's validator writes them,
/// converts to [`TypeRef::RecGroup`]: what `TypeRegistry::register_type` takes for
/// a self-recursive type.
#[test]
fn rec_group_relative_references_stay_relative() {
    // (type (sub (struct (field (ref null (recgroup 0))))))
    let relative = wasmparser::PackedIndex::from_rec_group_index(0).unwrap();
    let field = wasmparser::FieldType {
        element_type: wasmparser::StorageType::Val(wasmparser::ValType::Ref(wasmparser::RefType::concrete(
            true, relative,
        ))),
        mutable: false,
    };
    let ty = wasmparser::SubType {
        is_final: false,
        supertype_idxs: vec![],
        composite_type: wasmparser::CompositeType {
            inner: wasmparser::CompositeInnerType::Struct(wasmparser::StructType { fields: Box::new([field]) }),
            shared: false,
            descriptor_idx: None,
            describes_idx: None,
        },
    };
    let ours = SubType::try_from(&ty).unwrap();
    let self_ref = FieldType {
        mutable: false,
        storage: StorageType::Val(ValType::Ref(RefType::concrete(true, TypeRef::RecGroup(0)))),
    };
    assert_eq!(ours, SubType::struct_(false, None, [self_ref]));
    let registry = TypeRegistry::new();
    let registered = registry.register_type(ours).unwrap();
    let runtime_field = FieldType {
        mutable: false,
        storage: StorageType::Val(ValType::Ref(RefType::concrete(true, TypeRef::Engine(registered.index())))),
    };
    assert_eq!(*registered, SubType::struct_(false, None, [runtime_field]));
}

#[test]
fn standalone_conversions_refuse_what_they_cannot_express() {
    let shared_any = wasmparser::HeapType::Abstract { shared: true, ty: wasmparser::AbstractHeapType::Any };
    assert_eq!(HeapType::try_from(shared_any).unwrap(), HeapType::SharedAbstract(AbstractHeapType::Any));
    let cont = wasmparser::HeapType::Abstract { shared: false, ty: wasmparser::AbstractHeapType::NoCont };
    assert_eq!(HeapType::try_from(cont).unwrap(), HeapType::Abstract(AbstractHeapType::NoCont));
    // Descriptor clauses belong on struct types only; no validator accepts
    // them elsewhere, and the model cannot express them there.
    let on_array = wasmparser::CompositeType {
        inner: wasmparser::CompositeInnerType::Array(wasmparser::ArrayType(wasmparser::FieldType {
            element_type: wasmparser::StorageType::I8,
            mutable: false,
        })),
        shared: false,
        descriptor_idx: Some(wasmparser::PackedIndex::from_module_index(1).unwrap()),
        describes_idx: None,
    };
    let err = CompositeType::try_from(&on_array).unwrap_err();
    assert!(matches!(err, RegistryError::Type(TypeError::InvalidTypeClause { clause: "descriptor", .. })), "{err}");
    let any = wasmparser::HeapType::Abstract { shared: false, ty: wasmparser::AbstractHeapType::Any };
    assert_eq!(HeapType::try_from(any).unwrap(), HeapType::Abstract(AbstractHeapType::Any));
}

/// Modules with code, the size of real compiler output: from_wasm walks
/// the code section's framing and reads the same types; the bodies are
/// valid for wasmparser's full validator.
#[test]
fn modules_with_code_read_the_same_types() {
    let module = shapes::small_module(5, 8);
    let bytes = shapes::encode_with_functions(&module, 300, 20);
    assert!(bytes.len() > shapes::encode(&module).len() + 300 * 20);
    wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::WASM3).validate_all(&bytes).unwrap();
    assert_eq!(ModuleInfo::from_wasm(&bytes).unwrap().types, module);
    // A body cut short is a framing error, reported as such.
    let err = ModuleInfo::from_wasm(&bytes[..bytes.len() - 3]).unwrap_err();
    assert!(matches!(err, RegistryError::InvalidWasm { .. }), "{err:?}");
}
