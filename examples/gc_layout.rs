//! A GC runtime's per-type data, worked: object layouts computed once per
//! type by the registry's data function (`wasm_type_registry::gc_layout`),
//! read back by index, by handle and by checked key, and gone with the type.
//!
//! ```text
//! cargo run --example gc_layout
//! ```

use wasm_type_registry::gc_layout::{gc_layout_registry, GcLayout, LayoutConfig};
use wasm_type_registry::*;

fn main() -> Result<(), RegistryError> {
    // Objects start with an 8-byte header (a type index and GC bits),
    // aligned to 8.
    let registry = gc_layout_registry(LayoutConfig::new(8));
    let field = |storage| FieldType { mutable: true, storage };
    let any = StorageType::Val(ValType::Ref(RefType::nullable(AbstractHeapType::Any)));

    // (type $point (sub (struct (field i8) (field f64))))
    // (type $named (sub $point (struct (field i8) (field f64) (field anyref) (field i16))))
    // (type $bytes (array (mut i8)))
    let mut builder = ModuleTypes::builder();
    let point = builder.sub_type(SubType::struct_(
        false,
        None,
        [field(StorageType::I8), field(StorageType::Val(ValType::F64))],
    ));
    builder.sub_type(SubType::struct_(
        false,
        Some(TypeRef::Module(point)),
        [field(StorageType::I8), field(StorageType::Val(ValType::F64)), field(any), field(StorageType::I16)],
    ));
    builder.sub_type(SubType::array(false, None, field(StorageType::I8)));
    let types = registry.register_module(&builder.build()?)?;

    let layouts = registry.type_data::<GcLayout>()?;
    for (i, &index) in types.engine_types().iter().enumerate() {
        let layout = layouts.get(index, GcLayout::clone).expect("registered");
        println!("type {i} ({index:?}): {layout:?}");
    }
    let named = types.engine_types()[1];
    let key = types.key(ModuleTypeIndex::from_u32(1)).expect("type 1");
    let handle = registry.root(key).expect("registered");
    println!("through a handle: {:?}", handle.data::<GcLayout>());

    drop((handle, types));
    println!(
        "after dropping the module: by index {:?}, by key {:?}",
        layouts.get(named, GcLayout::clone),
        layouts.get(key, GcLayout::clone)
    );
    Ok(())
}
