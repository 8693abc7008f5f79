//! `Display` prints the text format: a module's types, printed and read
//! back by an independent parser (the `wast` crate) and `ModuleInfo::from_wasm`, are the
//! types that were printed, for every kind of type the model has.

use wasm_type_registry::{
    AbstractHeapType as A, FieldType, HeapType, ModuleInfo, ModuleTypeIndex, ModuleTypes, RefType, RegistryError,
    StorageType, SubType, TypeError, TypeRef, TypeRegistry, ValType,
};

use crate::common::{field, wat};

const ABSTRACT: [A; 12] =
    [A::Func, A::NoFunc, A::Extern, A::NoExtern, A::Any, A::Eq, A::I31, A::Struct, A::Array, A::None, A::Exn, A::NoExn];

fn module_ref(nullable: bool, index: ModuleTypeIndex) -> ValType {
    ValType::Ref(RefType::concrete(nullable, TypeRef::Module(index)))
}

/// Every value type: numeric, every abstract heap type nullable or not,
/// and concrete references to `concrete`.
fn every_val_type(concrete: ModuleTypeIndex) -> Vec<ValType> {
    let mut types = vec![ValType::I32, ValType::I64, ValType::F32, ValType::F64, ValType::V128];
    for nullable in [true, false] {
        types.extend(ABSTRACT.map(|h| ValType::Ref(RefType { nullable, heap_type: HeapType::Abstract(h) })));
        types.push(module_ref(nullable, concrete));
    }
    types
}

/// A module with every shape of type: rec groups of one and several
/// types, self- and mutual recursion, final and open types, supertypes,
/// packed and mutable fields, empty and full signatures.
fn kitchen_sink() -> Result<ModuleTypes, TypeError> {
    let mut b = ModuleTypes::builder();
    let empty_func = b.sub_type(SubType::func([], []));
    let vals = every_val_type(empty_func);
    b.sub_type(SubType::func(vals.clone(), vals.clone()));
    let node = b.next_index();
    let next = ModuleTypeIndex::from_u32(node.as_u32() + 1);
    b.rec_group([
        SubType::struct_(
            false,
            None,
            [field(true, StorageType::Val(module_ref(true, next))), field(false, StorageType::I8)],
        ),
        SubType::struct_(
            true,
            Some(TypeRef::Module(node)),
            [
                field(true, StorageType::Val(module_ref(true, next))),
                field(false, StorageType::I8),
                field(true, StorageType::I16),
            ],
        ),
    ]);
    let fields: Vec<FieldType> =
        vals.iter().flat_map(|&v| [field(false, StorageType::Val(v)), field(true, StorageType::Val(v))]).collect();
    b.sub_type(SubType::struct_(false, None, fields));
    b.sub_type(SubType::struct_(true, None, []));
    let bytes = b.sub_type(SubType::array(false, None, field(true, StorageType::I8)));
    b.sub_type(SubType::array(false, Some(TypeRef::Module(bytes)), field(true, StorageType::I8)));
    let base = b.sub_type(SubType { is_final: false, ..SubType::func([module_ref(false, node)], []) });
    b.sub_type(SubType { supertype: Some(TypeRef::Module(base)), ..SubType::func([module_ref(true, node)], []) });
    b.rec_group([]);
    b.build()
}

#[test]
fn printed_types_read_back_as_the_same_types() {
    let module = kitchen_sink().unwrap();
    let text = format!("(module\n{module})");
    let read_back = ModuleInfo::from_wasm(&wat(&text)).unwrap().types;
    // The empty rec group prints as `(rec)` and is kept, as the binary
    // format keeps it.
    assert_eq!(read_back.types(), module.types(), "printed as:\n{text}");
    assert_eq!(read_back.rec_group_count(), module.rec_group_count(), "printed as:\n{text}");
}

#[test]
fn every_value_type_prints_as_the_text_format_spells_it() {
    let zero = ModuleTypeIndex::from_u32(0);
    let printed: Vec<String> = every_val_type(zero).iter().map(ToString::to_string).collect();
    let expected = [
        "i32",
        "i64",
        "f32",
        "f64",
        "v128",
        "funcref",
        "nullfuncref",
        "externref",
        "nullexternref",
        "anyref",
        "eqref",
        "i31ref",
        "structref",
        "arrayref",
        "nullref",
        "exnref",
        "nullexnref",
        "(ref null 0)",
        "(ref func)",
        "(ref nofunc)",
        "(ref extern)",
        "(ref noextern)",
        "(ref any)",
        "(ref eq)",
        "(ref i31)",
        "(ref struct)",
        "(ref array)",
        "(ref none)",
        "(ref exn)",
        "(ref noexn)",
        "(ref 0)",
    ];
    assert_eq!(printed, expected);
    // Each reads back as itself in a global's type.
    for (ty, text) in every_val_type(zero).into_iter().zip(expected) {
        if matches!(ty, ValType::Ref(RefType { nullable: false, .. })) {
            continue; // a non-nullable global needs an initializer of its own
        }
        let bytes = wat(&format!("(module (type (func)) (import \"m\" \"g\" (global {text})))"));
        let info = ModuleInfo::from_wasm(&bytes).unwrap();
        assert_eq!(info.globals[0].content, ty, "{text}");
    }
}

#[test]
fn engine_and_module_indices_print_differently() {
    let registry = TypeRegistry::new();
    let node = registry
        .register_type(SubType::struct_(
            false,
            None,
            [field(false, StorageType::Val(ValType::Ref(RefType::concrete(true, TypeRef::RecGroup(0)))))],
        ))
        .unwrap();
    let index = node.index();
    // Registered types come back in engine form, and say so.
    assert_eq!(node.to_string(), format!("(sub (struct (field (ref null engine:{index}))))"));
    // The hash-consing form's group-relative references, too.
    assert_eq!(TypeRef::RecGroup(0).to_string(), "rec:0");
    assert_eq!(TypeRef::Module(ModuleTypeIndex::from_u32(index.as_u32())).to_string(), index.to_string());
}

#[test]
fn errors_print_types_not_debug_dumps() {
    let mut b = ModuleTypes::builder();
    let sup = b.sub_type(SubType::struct_(
        false,
        None,
        [field(false, StorageType::Val(ValType::Ref(RefType::nullable(A::Eq))))],
    ));
    b.sub_type(SubType::struct_(
        true,
        Some(TypeRef::Module(sup)),
        [field(false, StorageType::Val(ValType::Ref(RefType::nullable(A::Any))))],
    ));
    let registry = TypeRegistry::new();
    let err = b
        .build()
        .map_err(RegistryError::from)
        .and_then(|module| registry.register_module(&module).map(drop))
        .unwrap_err();
    let message = err.to_string();
    assert!(message.contains("field 0: anyref does not match eqref"), "{message}");
    assert!(!message.contains("Ref") && !message.contains("Abstract"), "{message}");
}

/// Garbage input gets one line naming the problem, not wasmparser's
/// pretty-printed dump of the first bytes.
#[test]
fn garbage_input_gets_a_one_line_message() {
    for bytes in [&b"hello world, this is not wasm"[..], b"\xe2\x6b\xf5\x6e\x01\0\0\0", b"\0asm\x01\0\0\0\x01\xff"] {
        let message = ModuleInfo::from_wasm(bytes).unwrap_err().to_string();
        assert!(!message.contains('\n') && message.len() < 160, "{message}");
        assert!(message.starts_with("invalid wasm at byte offset"), "{message}");
    }
    let message = ModuleInfo::from_wasm(b"hell\x01\0\0\0").unwrap_err().to_string();
    assert!(message.contains("expected=[0x0, 0x61, 0x73, 0x6d] actual=[0x68, 0x65, 0x6c, 0x6c]"), "{message}");
}

/// External types print as the text format declares imports: each reads
/// back, through `wast` and `ModuleInfo::from_wasm`, as itself.
#[test]
fn external_types_read_back_as_themselves() {
    use wasm_type_registry::{ExternType, GlobalType, Limits, MemoryType, TableType};
    let f = TypeRef::Module(ModuleTypeIndex::from_u32(0));
    let limits = |min, max| Limits { min, max };
    let memory =
        |memory64, limits| ExternType::Memory(MemoryType { memory64, shared: false, page_size_log2: 16, limits });
    let table = |table64, element, limits| ExternType::Table(TableType { element, table64, shared: false, limits });
    let shared_func = RefType { nullable: true, heap_type: HeapType::SharedAbstract(A::Func) };
    let global = |content, mutable, shared| ExternType::Global(GlobalType { content, mutable, shared });
    let types = [
        ExternType::Func(f),
        ExternType::Tag(f),
        table(false, RefType::nullable(A::Func), limits(1, None)),
        table(true, RefType::concrete(true, f), limits(0, Some(1 << 40))),
        table(false, RefType { nullable: true, heap_type: HeapType::Abstract(A::Extern) }, limits(3, Some(3))),
        memory(false, limits(1, Some(2))),
        memory(true, limits(0, None)),
        ExternType::Table(TableType { element: shared_func, table64: true, shared: true, limits: limits(1, Some(8)) }),
        global(ValType::F64, true, false),
        global(ValType::Ref(RefType::concrete(true, f)), false, false),
        global(ValType::I32, false, true),
        global(ValType::Ref(shared_func), true, true),
    ];
    for ty in types {
        let text = format!("(module (type (func)) (import \"m\" \"x\" {ty}))");
        let info = ModuleInfo::from_wasm(&wat(&text)).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(info.imports[0].ty, ty, "{text}");
    }
}
