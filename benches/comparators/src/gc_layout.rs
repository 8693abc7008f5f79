//! A worked per-type data function: Wasmtime-style GC object layouts,
//! computed once per type through
//! [`TypeRegistry::with_type_data`](wasm_type_registry::TypeRegistry::with_type_data).
//!
//! Struct fields go in declared order, each at its natural alignment, after
//! a header of a configurable size; a subtype starts from its supertype's
//! layout, so the fields it shares keep their offsets (code compiled
//! against the supertype reads a subtype's object correctly). An array is a
//! header, a 32-bit length, then its elements at their natural alignment.
//! Reference fields are 32-bit (compressed GC references) and marked, for
//! the collector's tracing.

use std::fmt;

use wasm_type_registry::{CompositeType, StorageType, TypeDataContext, TypeRef, TypeRegistry, ValType};

/// A GC object's layout.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GcLayout {
    /// A struct: its size and each field's offset and whether it is a
    /// reference.
    Struct {
        /// Bytes, header included.
        size: u32,
        /// Each field's byte offset, in declared order.
        offsets: Vec<u32>,
        /// Which fields are GC references.
        refs: Vec<bool>,
    },
    /// An array: where the elements start and how large each is.
    Array {
        /// Byte offset of element 0.
        base: u32,
        /// Bytes per element.
        element_size: u32,
        /// Whether elements are GC references.
        element_is_ref: bool,
    },
    /// A function or continuation type: no objects.
    None,
}

/// A type the layout refuses.
#[derive(Debug)]
pub struct LayoutError(pub String);

impl fmt::Display for LayoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for LayoutError {}

/// Size (and alignment) of a storage type, and whether it is a reference.
pub fn storage_size(storage: &StorageType) -> (u32, bool) {
    match storage {
        StorageType::I8 => (1, false),
        StorageType::I16 => (2, false),
        StorageType::Val(ValType::I32 | ValType::F32) => (4, false),
        StorageType::Val(ValType::Ref(_)) => (4, true),
        StorageType::Val(ValType::I64 | ValType::F64) => (8, false),
        StorageType::Val(ValType::V128) => (16, false),
    }
}

/// Objects larger than this are refused (to show the error path).
pub const MAX_OBJECT_SIZE: u32 = 1 << 16;

/// The layout of `cx.ty` with a `header`-byte header.
pub fn gc_layout(header: u32, cx: TypeDataContext<'_, GcLayout>) -> Result<GcLayout, LayoutError> {
    match &cx.ty.composite {
        CompositeType::Struct(s) => {
            let parent = match cx.ty.supertype {
                Some(TypeRef::Engine(sup)) => {
                    cx.earlier_data(sup).cloned().or_else(|| cx.registry.type_data().ok()?.get(sup, GcLayout::clone))
                }
                _ => None,
            };
            let (mut size, mut offsets, mut refs) = match parent {
                Some(GcLayout::Struct { size, offsets, refs }) => (size, offsets, refs),
                _ => (header, Vec::new(), Vec::new()),
            };
            for field in s.fields.iter().skip(offsets.len()) {
                let (field_size, is_ref) = storage_size(&field.storage);
                let offset = size.div_ceil(field_size) * field_size;
                offsets.push(offset);
                refs.push(is_ref);
                size = offset + field_size;
                if size > MAX_OBJECT_SIZE {
                    return Err(LayoutError(format!("{:?}: struct larger than {MAX_OBJECT_SIZE} bytes", cx.index)));
                }
            }
            Ok(GcLayout::Struct { size, offsets, refs })
        }
        CompositeType::Array(a) => {
            let (element_size, element_is_ref) = storage_size(&a.element.storage);
            // The 32-bit length right after the header.
            let base = (header + 4).div_ceil(element_size) * element_size;
            Ok(GcLayout::Array { base, element_size, element_is_ref })
        }
        _ => Ok(GcLayout::None),
    }
}

/// A registry that keeps each type's [`GcLayout`] (with a `header`-byte
/// header).
pub fn gc_layout_registry(header: u32) -> TypeRegistry {
    TypeRegistry::with_type_data(move |cx| gc_layout(header, cx))
}
