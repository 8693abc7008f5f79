//! Per-type embedder data: computed once per type at first registration,
//! read by index, key and handle, never another type's after reuse; a
//! failing or panicking data function leaves the registry as it was.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use wasm_type_registry::gc_layout::{gc_layout_registry, GcLayout, LayoutConfig};
use wasm_type_registry::*;

use crate::common::field;

#[derive(Debug)]
struct TooBig;

impl std::fmt::Display for TooBig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("too big")
    }
}

impl std::error::Error for TooBig {}

/// A struct layout aligned to 8 (the header's alignment).
fn struct_layout(size: u32, offsets: &[u32], refs: &[bool]) -> GcLayout {
    GcLayout::Struct { size, align: 8, offsets: offsets.to_vec(), refs: refs.to_vec() }
}

#[test]
fn layouts_match_hand_computed_tables_and_subtypes_keep_their_supertypes_offsets() {
    let registry = gc_layout_registry(LayoutConfig::new(8));
    let i8_ = field(true, StorageType::I8);
    let i64_ = field(true, StorageType::Val(ValType::I64));
    let i32_ = field(true, StorageType::Val(ValType::I32));
    let anyref = field(true, StorageType::Val(ValType::Ref(RefType::nullable(AbstractHeapType::Any))));
    let base = registry.register_type(SubType::struct_(false, None, [i8_, i64_])).unwrap();
    assert_eq!(base.data::<GcLayout>().unwrap(), &struct_layout(24, &[8, 16], &[false, false]));
    let derived = SubType::struct_(false, Some(TypeRef::Engine(base.index())), [i8_, i64_, i32_, anyref]);
    let derived = registry.register_type(derived).unwrap();
    assert_eq!(derived.data::<GcLayout>().unwrap(), &struct_layout(32, &[8, 16, 24, 28], &[false, false, false, true]));
    // Arrays: header, 32-bit length, elements at their alignment.
    let bytes = registry.register_type(SubType::array(true, None, i8_)).unwrap();
    let longs = registry.register_type(SubType::array(true, None, i64_)).unwrap();
    let refs = registry.register_type(SubType::array(true, None, anyref)).unwrap();
    let array = |base, element_size, element_is_ref| GcLayout::Array {
        length_offset: 8,
        base,
        align: 8,
        element_size,
        element_is_ref,
    };
    assert_eq!(bytes.data::<GcLayout>(), Ok(&array(12, 1, false)));
    assert_eq!(longs.data::<GcLayout>(), Ok(&array(16, 8, false)));
    assert_eq!(refs.data::<GcLayout>(), Ok(&array(12, 4, true)));
    // Another header size moves everything.
    let wide_header = gc_layout_registry(LayoutConfig::new(16));
    let base16 = wide_header.register_type(SubType::struct_(false, None, [i8_, i64_])).unwrap();
    assert_eq!(base16.data::<GcLayout>().unwrap(), &struct_layout(32, &[16, 24], &[false, false]));
    // Inside one group: the subtype finds its supertype's data among the
    // group's earlier types.
    let mut builder = ModuleTypes::builder();
    let a = builder.sub_type(SubType::struct_(false, None, [i32_, i8_]));
    builder.sub_type(SubType::struct_(true, Some(TypeRef::Module(a)), [i32_, i8_, i64_]));
    let module = builder.build().unwrap();
    let types = registry.register_module(&module).unwrap();
    let sub = types.engine_types()[1];
    let expected = struct_layout(24, &[8, 12, 16], &[false; 3]);
    assert_eq!(types.data::<GcLayout>(ModuleTypeIndex::from_u32(1)), Ok(&expected));
    assert_eq!(types.data::<GcLayout>(ModuleTypeIndex::from_u32(0)), Ok(&struct_layout(16, &[8, 12], &[false; 2])));
    assert_eq!(
        types.data::<GcLayout>(ModuleTypeIndex::from_u32(2)),
        Err(RegistryError::Link(LinkError::ModuleIndexOutOfRange { index: 2, num_types: 2 }))
    );
    let layouts = registry.type_data::<GcLayout>().unwrap();
    assert_eq!(layouts.get(sub, GcLayout::clone), Some(expected.clone()));
    let key = types.key(ModuleTypeIndex::from_u32(1)).unwrap();
    assert_eq!(layouts.get(key, GcLayout::clone), Some(expected));
    // Another `D` is not this registry's data, and a plain registry has
    // none: both are refused with an error that names the types, never
    // answered with `None`, which would read as "not registered".
    let wrong = RegistryError::DataType { requested: "u32", computed: Some(std::any::type_name::<GcLayout>()) };
    assert_eq!(base.data::<u32>(), Err(wrong.clone()));
    assert_eq!(registry.type_data::<u32>().unwrap_err(), wrong);
    assert_eq!(types.data::<u32>(ModuleTypeIndex::from_u32(0)), Err(wrong));
    let plain = TypeRegistry::new();
    let none = RegistryError::DataType { requested: std::any::type_name::<GcLayout>(), computed: None };
    assert_eq!(plain.register_type(SubType::func([], [])).unwrap().data::<GcLayout>(), Err(none.clone()));
    assert_eq!(plain.type_data::<GcLayout>().unwrap_err().to_string(), none.to_string());
    assert!(none.to_string().contains("without a data function"), "{none}");
}

/// The side table that went wrong for 1,339 of 3,700 types: after dropping
/// everything and registering other modules that reuse the indices, every
/// index reports its own type's data.
#[test]
fn after_reuse_every_index_reports_its_own_types_data() {
    let calls = Arc::new(AtomicUsize::new(0));
    let registry = TypeRegistry::with_type_data({
        let calls = calls.clone();
        move |cx: TypeDataContext<'_, Arc<SubType>>| {
            calls.fetch_add(1, Ordering::Relaxed);
            Ok::<_, TooBig>(Arc::new(cx.ty.clone()))
        }
    });
    let generation = |seed: u64| shapes_like(seed);
    let first = registry.register_module(&generation(1)).unwrap();
    let again = registry.register_module(&generation(1)).unwrap();
    assert_eq!(calls.load(Ordering::Relaxed), first.len(), "computed once per type, not per registration");
    let stale: Vec<TypeKey> =
        (0..first.len()).map(|i| first.key(ModuleTypeIndex::from_u32(i as u32)).unwrap()).collect();
    drop((first, again));
    let second = registry.register_module(&generation(2)).unwrap();
    let mut reused = 0;
    for &index in second.engine_types() {
        let ty = registry.borrow(index).unwrap();
        let data = registry.type_data::<Arc<SubType>>().unwrap().get(index, |d| d.clone()).unwrap();
        assert_eq!(*data, *ty, "{index:?} reports another type's data");
        reused += usize::from(stale.iter().any(|k| k.index() == index));
    }
    assert!(reused > second.len() / 2, "the scenario needs reuse ({reused})");
    for key in stale {
        assert!(registry.type_data::<Arc<SubType>>().unwrap().get(key, |_| ()).is_none());
    }
}

/// Struct types of varying width, some referencing earlier ones.
fn shapes_like(seed: u64) -> ModuleTypes {
    let mut builder = ModuleTypes::builder();
    for i in 0..200u64 {
        let n = ((i * 7 + seed * 13) % 11) as usize;
        let scalar = if (i + seed).is_multiple_of(2) { ValType::I32 } else { ValType::F64 };
        let mut fields = vec![field(true, StorageType::Val(scalar)); n + 1];
        fields.extend(vec![field(true, StorageType::I8); i as usize / 11]);
        builder.sub_type(SubType::struct_(true, None, fields));
    }
    builder.build().unwrap()
}

#[test]
fn a_refusing_data_function_fails_the_registration_and_changes_nothing() {
    let mut config = LayoutConfig::new(8);
    config.max_size = 1 << 16;
    let registry = gc_layout_registry(config);
    let kept = registry.register_type(SubType::struct_(false, None, [])).unwrap();
    let before = registry.stats();
    let wide = vec![field(true, StorageType::Val(ValType::I64)); (config.max_size / 8) as usize];
    let mut builder = ModuleTypes::builder();
    builder.sub_type(SubType::func([], []));
    builder.sub_type(SubType::struct_(true, None, wide.clone()));
    let err = registry.register_module(&builder.build().unwrap()).unwrap_err();
    match &err {
        RegistryError::TypeData { type_index: 1, source } => {
            assert!(
                source.to_string() == "an object of 65544 bytes is larger than the limit of 65536 bytes",
                "{source}"
            )
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(err.to_string().starts_with("type 1: the embedder's type data function refused it: "), "{err}");
    // A refused subtype of a registered type.
    let sub = SubType::struct_(true, Some(TypeRef::Engine(kept.index())), wide);
    assert!(matches!(registry.register_type(sub), Err(RegistryError::TypeData { type_index: 0, .. })));
    let after = registry.stats();
    assert_eq!((after.registered_types, after.rec_groups), (before.registered_types, before.rec_groups));
    assert_eq!(after.slots_ever_used - after.free_slots, 1, "only the kept type holds an index");
    // The referenced group's registration was given back: one drop ends it.
    drop(kept);
    assert_eq!(registry.len(), 0, "{:?}", registry.stats());
}

#[test]
fn a_panicking_data_function_leaks_nothing_and_the_registry_stays_usable() {
    let registry = TypeRegistry::with_type_data(|cx: TypeDataContext<'_, u32>| {
        if matches!(&cx.ty.composite, CompositeType::Struct(s) if s.fields.len() == 3) {
            panic!("embedder bug");
        }
        Ok::<_, TooBig>(7)
    });
    let kept = registry.register_type(SubType::struct_(false, None, [])).unwrap();
    let sub = SubType::struct_(true, Some(TypeRef::Engine(kept.index())), vec![field(true, StorageType::I8); 3]);
    let panicked = catch_unwind(AssertUnwindSafe(|| registry.register_type(sub.clone())));
    assert!(panicked.is_err());
    assert_eq!(registry.len(), 1);
    assert_eq!(registry.stats().rec_groups, 1);
    let ok = registry.register_type(SubType::struct_(true, Some(TypeRef::Engine(kept.index())), [])).unwrap();
    assert_eq!(ok.data::<u32>(), Ok(&7));
    drop((ok, kept));
    let stats = registry.stats();
    assert_eq!((stats.registered_types, stats.rec_groups), (0, 0), "a registration leaked: {stats:?}");
    assert_eq!(stats.free_slots, stats.slots_ever_used);
}

/// A data function may fail with a `String` or a boxed error, not only with
/// a type that implements `Error`: the message reaches the caller in
/// `RegistryError::TypeData`, and nothing stays registered.
#[test]
fn a_data_function_may_fail_with_a_string_or_a_boxed_error() {
    let ty = || SubType::func([ValType::I32], []);
    let with_string =
        TypeRegistry::with_type_data(|_: TypeDataContext<'_, u8>| Err::<u8, _>(String::from("no layout")));
    let error = with_string.register_type(ty()).unwrap_err();
    assert!(matches!(error, RegistryError::TypeData { type_index: 0, .. }), "{error:?}");
    assert!(error.to_string().contains("no layout"), "{error}");
    assert_eq!(with_string.len(), 0);

    type Boxed = Box<dyn std::error::Error + Send + Sync>;
    let with_box = TypeRegistry::with_type_data(|_: TypeDataContext<'_, u8>| Err::<u8, Boxed>("boxed refusal".into()));
    let error = with_box.register_type(ty()).unwrap_err();
    assert!(error.to_string().contains("boxed refusal"), "{error}");
    assert_eq!(with_box.len(), 0);
}
