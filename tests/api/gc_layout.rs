//! GC object layouts (`wasm_type_registry::gc_layout`): fields at their
//! natural alignment, sizes rounded up to the object's alignment, arrays
//! after their length, subtypes that keep their supertype's offsets, and
//! oversize types refused with an error, never a panic.

use proptest::prelude::*;
use proptest::test_runner::{TestCaseError, TestRunner};
use wasm_type_registry::gc_layout::{gc_layout, gc_layout_registry, storage_size, GcLayout, LayoutConfig, LayoutError};
use wasm_type_registry::*;

use crate::common::field;

const I8: StorageType = StorageType::I8;
const I16: StorageType = StorageType::I16;
const I32: StorageType = StorageType::Val(ValType::I32);
const I64: StorageType = StorageType::Val(ValType::I64);
const F64: StorageType = StorageType::Val(ValType::F64);
const V128: StorageType = StorageType::Val(ValType::V128);

fn anyref() -> StorageType {
    StorageType::Val(ValType::Ref(RefType::nullable(AbstractHeapType::Any)))
}

fn layout_of(header: u32, fields: &[StorageType]) -> GcLayout {
    let fields: Vec<FieldType> = fields.iter().map(|&storage| field(true, storage)).collect();
    gc_layout(LayoutConfig::new(header), &SubType::struct_(false, None, fields).composite).unwrap()
}

fn struct_layout(size: u32, align: u32, offsets: &[u32]) -> GcLayout {
    GcLayout::Struct { size, align, offsets: offsets.to_vec(), refs: vec![false; offsets.len()] }
}

#[test]
fn struct_sizes_are_rounded_up_to_the_objects_alignment() {
    // An f64 after an i8: the f64 at 16, the i16 after it ends at 26, the
    // object's size rounds up to 32.
    assert_eq!(layout_of(8, &[I8, F64, I16]), struct_layout(32, 8, &[8, 16, 24]));
    // The same with an i64, and with a trailing i32 (ends at 28).
    assert_eq!(layout_of(8, &[I64, I32]), struct_layout(24, 8, &[8, 16]));
    assert_eq!(layout_of(8, &[I64, I8, I32]), struct_layout(24, 8, &[8, 16, 20]));
    // A v128 aligns the field and the object to 16.
    assert_eq!(layout_of(8, &[I8, V128]), struct_layout(32, 16, &[8, 16]));
    assert_eq!(layout_of(8, &[V128, I8]), struct_layout(48, 16, &[16, 32]));
    // Packed fields only: 1- and 2-byte alignment inside, the header's 8
    // outside.
    assert_eq!(layout_of(8, &[I8, I16, I8]), struct_layout(16, 8, &[8, 10, 12]));
    assert_eq!(layout_of(8, &[I8, I8, I8]), struct_layout(16, 8, &[8, 9, 10]));
    // A header that is not a multiple of 8 still gives 8-aligned objects.
    assert_eq!(layout_of(12, &[I16]), struct_layout(16, 8, &[12]));
    assert_eq!(layout_of(12, &[F64]), struct_layout(24, 8, &[16]));
    // No fields: the header, rounded up.
    assert_eq!(layout_of(8, &[]), struct_layout(8, 8, &[]));
    assert_eq!(layout_of(4, &[]), struct_layout(8, 8, &[]));
    // References are 4 bytes and marked.
    let refs = layout_of(8, &[anyref(), I8, anyref()]);
    assert_eq!(refs, GcLayout::Struct { size: 24, align: 8, offsets: vec![8, 12, 16], refs: vec![true, false, true] });
    // A header aligned to 16.
    let mut config = LayoutConfig::new(8);
    config.header_align = 16;
    let ty = SubType::struct_(false, None, [field(true, I32)]);
    assert_eq!(gc_layout(config, &ty.composite).unwrap(), struct_layout(16, 16, &[8]));
}

#[test]
fn arrays_put_their_elements_after_the_length_at_their_alignment() {
    let array = |element: StorageType| {
        let ty = SubType::array(false, None, field(true, element));
        gc_layout(LayoutConfig::new(8), &ty.composite).unwrap()
    };
    let expected = |base, align, element_size, element_is_ref| GcLayout::Array {
        length_offset: 8,
        base,
        align,
        element_size,
        element_is_ref,
    };
    assert_eq!(array(I8), expected(12, 8, 1, false));
    assert_eq!(array(I16), expected(12, 8, 2, false));
    assert_eq!(array(anyref()), expected(12, 8, 4, true));
    assert_eq!(array(F64), expected(16, 8, 8, false));
    assert_eq!(array(V128), expected(16, 16, 16, false));
    // Sizes by length, rounded up to the alignment.
    assert_eq!(array(I8).array_size(0), Some(16));
    assert_eq!(array(I8).array_size(4), Some(16));
    assert_eq!(array(I8).array_size(5), Some(24));
    assert_eq!(array(I16).array_size(3), Some(24));
    assert_eq!(array(F64).array_size(3), Some(40));
    assert_eq!(array(V128).array_size(1), Some(32));
    assert_eq!(array(V128).array_size(u32::MAX), None, "overflow is None");
    // The length after an odd header goes to the next multiple of 4.
    let ty = SubType::array(false, None, field(true, I64));
    let odd = gc_layout(LayoutConfig::new(13), &ty.composite).unwrap();
    assert_eq!(odd, GcLayout::Array { length_offset: 16, base: 24, align: 8, element_size: 8, element_is_ref: false });
    // Functions have no objects.
    assert_eq!(gc_layout(LayoutConfig::new(8), &SubType::func([], []).composite), Ok(GcLayout::None));
    assert_eq!(GcLayout::None.array_size(0), None);
}

/// A registry of layouts: a subtype that adds wider fields keeps its
/// supertype's offsets (its alignment and size may grow), through a chain
/// registered type by type and through one rec group.
#[test]
fn subtypes_keep_their_supertypes_field_offsets() {
    let registry = gc_layout_registry(LayoutConfig::new(8));
    let base_fields = [field(false, I8), field(false, I16)];
    let base = registry.register_type(SubType::struct_(false, None, base_fields)).unwrap();
    let mid_fields = [field(false, I8), field(false, I16), field(true, F64)];
    let mid = SubType::struct_(false, Some(TypeRef::Engine(base.index())), mid_fields);
    let mid = registry.register_type(mid).unwrap();
    let leaf_fields = [field(false, I8), field(false, I16), field(true, F64), field(true, I8), field(true, V128)];
    let leaf = SubType::struct_(true, Some(TypeRef::Engine(mid.index())), leaf_fields);
    let leaf = registry.register_type(leaf).unwrap();
    assert_eq!(base.data::<GcLayout>(), Ok(&struct_layout(16, 8, &[8, 10])));
    assert_eq!(mid.data::<GcLayout>(), Ok(&struct_layout(24, 8, &[8, 10, 16])));
    assert_eq!(leaf.data::<GcLayout>(), Ok(&struct_layout(48, 16, &[8, 10, 16, 24, 32])));

    // A supertype whose padded size is larger than where its last field
    // ends: the subtype's next field goes right after that field, not
    // after the padding.
    let mut builder = ModuleTypes::builder();
    let sup = builder.sub_type(SubType::struct_(false, None, [field(false, I32), field(false, I8)]));
    builder.sub_type(SubType::struct_(
        false,
        Some(TypeRef::Module(sup)),
        [field(false, I32), field(false, I8), field(false, I16)],
    ));
    let types = registry.register_module(&builder.build().unwrap()).unwrap();
    assert_eq!(types.data::<GcLayout>(ModuleTypeIndex::from_u32(0)), Ok(&struct_layout(16, 8, &[8, 12])));
    assert_eq!(types.data::<GcLayout>(ModuleTypeIndex::from_u32(1)), Ok(&struct_layout(16, 8, &[8, 12, 14])));
}

fn storage() -> impl Strategy<Value = StorageType> {
    prop_oneof![Just(I8), Just(I16), Just(I32), Just(I64), Just(F64), Just(V128), Just(anyref())]
}

/// Random supertype chains, registered one type at a time: every layout is
/// well formed (fields inside the object, at their alignment, not
/// overlapping; size a multiple of the alignment), and every subtype starts
/// with its supertype's offsets.
#[test]
fn random_subtype_chains_extend_their_supertypes_layouts() {
    let chains = prop::collection::vec(prop::collection::vec(storage(), 0..6), 1..6);
    let headers = prop_oneof![Just(4u32), Just(8), Just(12), Just(16)];
    let mut runner = TestRunner::new(crate::common::proptest_config(256));
    let result = runner.run(&(chains, headers), |(steps, header)| {
        let registry = gc_layout_registry(LayoutConfig::new(header));
        let (mut fields, mut parent, mut handles) = (Vec::new(), None, Vec::new());
        let mut previous: Option<Vec<u32>> = None;
        for step in steps {
            fields.extend(step.iter().map(|&storage| field(false, storage)));
            let ty = SubType::struct_(false, parent.map(TypeRef::Engine), fields.clone());
            let handle = registry.register_type(ty).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let Ok(GcLayout::Struct { size, align, offsets, refs }) = handle.data::<GcLayout>().cloned() else {
                return Err(TestCaseError::fail("not a struct layout"));
            };
            prop_assert!(align.is_power_of_two() && align >= 8 && size % align == 0, "{size} {align}");
            let mut end = header;
            for ((f, &offset), &is_ref) in fields.iter().zip(&offsets).zip(&refs) {
                let (bytes, expected_ref) = storage_size(f.storage);
                prop_assert!(offset >= end && offset % bytes == 0 && bytes <= align, "{offsets:?}");
                prop_assert_eq!(is_ref, expected_ref);
                end = offset + bytes;
            }
            prop_assert!(end <= size && size - end < align, "{end} {size} {align}");
            if let Some(previous) = &previous {
                prop_assert_eq!(&offsets[..previous.len()], &previous[..]);
            }
            previous = Some(offsets);
            parent = Some(handle.index());
            handles.push(handle);
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}

#[test]
fn oversize_types_and_bad_headers_are_refused_with_an_error() {
    let wide = SubType::struct_(true, None, vec![field(true, I64); 100]);
    let mut config = LayoutConfig::new(8);
    config.max_size = 800;
    // 8 + 100 * 8 = 808 bytes.
    let error = gc_layout(config, &wide.composite).unwrap_err();
    assert_eq!(error, LayoutError::TooLarge { size: 808, max_size: 800 });
    assert_eq!(error.to_string(), "an object of 808 bytes is larger than the limit of 800 bytes");
    config.max_size = 808;
    assert!(gc_layout(config, &wide.composite).is_ok(), "the limit itself fits");
    // An array whose empty object is already too large.
    config.max_size = 15;
    let bytes = SubType::array(true, None, field(true, I8));
    assert_eq!(gc_layout(config, &bytes.composite), Err(LayoutError::TooLarge { size: 16, max_size: 15 }));
    // A header near `u32::MAX`: sizes past 32 bits are refused, not wrapped.
    let mut huge = LayoutConfig::new(u32::MAX - 2);
    huge.max_size = u32::MAX;
    let one = SubType::struct_(true, None, [field(true, I64)]);
    assert!(
        matches!(gc_layout(huge, &one.composite), Err(LayoutError::TooLarge { size, .. }) if size > u64::from(u32::MAX))
    );
    assert!(matches!(gc_layout(huge, &bytes.composite), Err(LayoutError::TooLarge { .. })));
    // Header alignments that are not powers of two.
    for align in [0, 3, 12] {
        let mut config = LayoutConfig::new(8);
        config.header_align = align;
        let error = gc_layout(config, &one.composite).unwrap_err();
        assert_eq!(error, LayoutError::HeaderAlign { align });
        assert_eq!(error.to_string(), format!("the header alignment {align} is not a power of two"));
    }
    // Through a registry: the registration fails, naming the type, and
    // nothing stays registered.
    let mut small = LayoutConfig::new(8);
    small.max_size = 64;
    let registry = gc_layout_registry(small);
    let mut builder = ModuleTypes::builder();
    builder.sub_type(SubType::func([], []));
    builder.sub_type(wide);
    let error = registry.register_module(&builder.build().unwrap()).unwrap_err();
    assert!(matches!(error, RegistryError::TypeData { type_index: 1, .. }), "{error:?}");
    assert!(error.to_string().ends_with("an object of 808 bytes is larger than the limit of 64 bytes"), "{error}");
    assert_eq!(registry.len(), 0);
}
