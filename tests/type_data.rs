//! Per-type embedder data: computed once per type at first registration,
//! read by index, key and handle, never another type's after reuse; a
//! failing or panicking data function leaves the registry as it was.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use wasm_type_registry::*;

/// A GC object layout, Wasmtime-style: fields in declared order at natural
/// alignment after an 8-byte header; a subtype extends its supertype's.
#[derive(Debug, PartialEq, Eq, Clone)]
struct Layout {
    size: u32,
    offsets: Vec<u32>,
    refs: Vec<bool>,
}

fn storage_size(storage: &StorageType) -> (u32, bool) {
    match storage {
        StorageType::I8 => (1, false),
        StorageType::I16 => (2, false),
        StorageType::Val(ValType::I32 | ValType::F32) => (4, false),
        StorageType::Val(ValType::Ref(_)) => (4, true),
        StorageType::Val(_) => (8, false),
    }
}

#[derive(Debug)]
struct TooBig(usize);

impl std::fmt::Display for TooBig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} fields do not fit an object", self.0)
    }
}

impl std::error::Error for TooBig {}

fn layout(cx: TypeDataContext<'_, Layout>) -> Result<Layout, TooBig> {
    let CompositeType::Struct(s) = &cx.ty.composite else {
        return Ok(Layout { size: 0, offsets: Vec::new(), refs: Vec::new() });
    };
    if s.fields.len() > 12 {
        return Err(TooBig(s.fields.len()));
    }
    // Start from the supertype's layout: its fields keep their offsets.
    let parent = match cx.ty.supertype {
        Some(TypeRef::Shared(sup)) => {
            cx.earlier_data(sup).cloned().or_else(|| cx.registry.type_data(sup, |l: &Layout| l.clone()))
        }
        _ => None,
    };
    let mut layout = parent.unwrap_or(Layout { size: 8, offsets: Vec::new(), refs: Vec::new() });
    for field in &s.fields[layout.offsets.len()..] {
        let (size, is_ref) = storage_size(&field.storage);
        let offset = layout.size.div_ceil(size) * size;
        layout.offsets.push(offset);
        layout.refs.push(is_ref);
        layout.size = offset + size;
    }
    Ok(layout)
}

fn field(storage: StorageType) -> FieldType {
    FieldType { mutable: true, storage }
}

#[test]
fn layouts_match_hand_computed_tables_and_subtypes_keep_their_supertypes_offsets() {
    let registry = TypeRegistry::with_type_data(layout);
    let i8_ = field(StorageType::I8);
    let i64_ = field(StorageType::Val(ValType::I64));
    let i32_ = field(StorageType::Val(ValType::I32));
    let anyref = field(StorageType::Val(ValType::Ref(RefType::nullable(AbstractHeapType::Any))));
    let base = RegisteredType::new(&registry, SubType::struct_(false, None, [i8_, i64_])).unwrap();
    assert_eq!(base.data::<Layout>().unwrap(), &Layout { size: 24, offsets: vec![8, 16], refs: vec![false, false] });
    let derived = SubType::struct_(false, Some(TypeRef::Shared(base.index())), [i8_, i64_, i32_, anyref]);
    let derived = RegisteredType::new(&registry, derived).unwrap();
    assert_eq!(
        derived.data::<Layout>().unwrap(),
        &Layout { size: 32, offsets: vec![8, 16, 24, 28], refs: vec![false, false, false, true] }
    );
    // Inside one group: the subtype finds its supertype's data among the
    // group's earlier types.
    let mut builder = ModuleTypes::builder();
    let a = builder.sub_type(SubType::struct_(false, None, [i32_, i8_]));
    builder.sub_type(SubType::struct_(true, Some(TypeRef::Module(a)), [i32_, i8_, i64_]));
    let module = builder.build().unwrap();
    let types = registry.register_module(&module).unwrap();
    let sub = types.shared_types()[1];
    let expected = Layout { size: 24, offsets: vec![8, 12, 16], refs: vec![false; 3] };
    assert_eq!(registry.type_data(sub, |l: &Layout| l.clone()), Some(expected.clone()));
    assert_eq!(
        registry.key_data(types.key(ModuleTypeIndex::from_u32(1)).unwrap(), |l: &Layout| l.clone()),
        Some(expected)
    );
    // Another `D` is not this registry's data; a plain registry has none.
    assert_eq!(base.data::<u32>(), None);
    let plain = RegisteredType::new(&TypeRegistry::new(), SubType::func([], [])).unwrap();
    assert_eq!(plain.data::<Layout>(), None);
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
    for &index in second.shared_types() {
        let ty = registry.borrow(index).unwrap();
        let data = registry.type_data(index, |d: &Arc<SubType>| d.clone()).unwrap();
        assert_eq!(*data, *ty, "{index:?} reports another type's data");
        reused += usize::from(stale.iter().any(|k| k.index() == index));
    }
    assert!(reused > second.len() / 2, "the scenario needs reuse ({reused})");
    for key in stale {
        assert!(registry.key_data(key, |_: &Arc<SubType>| ()).is_none());
    }
}

/// Struct types of varying width, some referencing earlier ones.
fn shapes_like(seed: u64) -> ModuleTypes {
    let mut builder = ModuleTypes::builder();
    for i in 0..200u64 {
        let n = ((i * 7 + seed * 13) % 11) as usize;
        let scalar = if (i + seed).is_multiple_of(2) { ValType::I32 } else { ValType::F64 };
        let mut fields = vec![field(StorageType::Val(scalar)); n + 1];
        fields.extend(vec![field(StorageType::I8); i as usize / 11]);
        builder.sub_type(SubType::struct_(true, None, fields));
    }
    builder.build().unwrap()
}

#[test]
fn a_refusing_data_function_fails_the_registration_and_changes_nothing() {
    let registry = TypeRegistry::with_type_data(layout);
    let kept = RegisteredType::new(&registry, SubType::struct_(false, None, [])).unwrap();
    let before = registry.stats();
    let wide = vec![field(StorageType::I8); 13];
    let mut builder = ModuleTypes::builder();
    builder.sub_type(SubType::func([], []));
    builder.sub_type(SubType::struct_(true, None, wide.clone()));
    let err = registry.register_module(&builder.build().unwrap()).unwrap_err();
    match &err {
        RegistryError::TypeData { type_index: 1, source } => {
            assert_eq!(source.to_string(), "13 fields do not fit an object")
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(err.to_string(), "type 1: the embedder's type data function refused it: 13 fields do not fit an object");
    // A refused subtype of a registered type.
    let sub = SubType::struct_(true, Some(TypeRef::Shared(kept.index())), wide);
    assert!(matches!(RegisteredType::new(&registry, sub), Err(RegistryError::TypeData { type_index: 0, .. })));
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
    let kept = RegisteredType::new(&registry, SubType::struct_(false, None, [])).unwrap();
    let sub = SubType::struct_(true, Some(TypeRef::Shared(kept.index())), vec![field(StorageType::I8); 3]);
    let panicked = catch_unwind(AssertUnwindSafe(|| RegisteredType::new(&registry, sub.clone())));
    assert!(panicked.is_err());
    assert_eq!(registry.len(), 1);
    assert_eq!(registry.stats().rec_groups, 1);
    let ok = RegisteredType::new(&registry, SubType::struct_(true, Some(TypeRef::Shared(kept.index())), [])).unwrap();
    assert_eq!(ok.data::<u32>(), Some(&7));
    drop((ok, kept));
    let stats = registry.stats();
    assert_eq!((stats.registered_types, stats.rec_groups), (0, 0), "a registration leaked: {stats:?}");
    assert_eq!(stats.free_slots, stats.slots_ever_used);
}
