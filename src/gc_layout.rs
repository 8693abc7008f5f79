//! GC object layouts, computed once per type as the registry's per-type
//! data: where each struct field and array element lies in an object, how
//! large and how aligned the object is, and which fields hold references.
//!
//! A runtime that allocates Wasm GC objects needs these facts for every
//! struct and array type, and needs them to follow the type: computed when
//! the type is first registered, gone when it is unregistered, never
//! another type's after its index is reused. [`gc_layout_registry`] makes a
//! registry that keeps a [`GcLayout`] with every type (through
//! [`TypeRegistry::with_type_data`]); [`gc_layout`] is the layout of one
//! composite type, for a runtime that keeps its per-type data in a type of
//! its own.
//!
//! # The layout
//! Every object starts with a header of [`LayoutConfig::header_size`]
//! bytes (a type index, GC bits: whatever the runtime keeps there), and
//! every object is aligned to at least [`LayoutConfig::header_align`].
//!
//! - A **struct**'s fields follow the header in declared order, each at the
//!   next offset that is a multiple of its size ([`storage_size`]: 1 for
//!   `i8`, 2 for `i16`, 4 for `i32`, `f32` and every reference, 8 for
//!   `i64` and `f64`, 16 for `v128`). Fields are not reordered. The
//!   object's alignment is the largest of the header's and its fields'
//!   alignments, and its size is rounded up to that alignment, so objects
//!   can be laid out back to back.
//! - An **array** is the header, a 32-bit length at the next multiple of 4,
//!   then its elements, from the next multiple of the element size on.
//!
//! A subtype's fields begin with its supertype's fields, each of the same
//! size (validation requires a field of a subtype to match the
//! supertype's, and matching storage types have equal sizes), so laying
//! fields out in declared order gives every field the subtype shares with
//! its supertype the supertype's offset: code compiled against the
//! supertype reads a subtype's object correctly.
//!
//! References take 4 bytes (a compressed pointer, or an index into a table
//! of functions) and are marked in [`GcLayout::Struct::refs`] and
//! [`GcLayout::Array::element_is_ref`]. Which of them the collector traces
//! is the runtime's decision: Wasmtime, whose layouts these follow (its
//! `VMGcHeader` is 8 bytes aligned to 8), traces neither `i31` references
//! nor function references. A custom descriptor reference (the
//! `descriptor` clause) gets no field here: a runtime that supports them
//! keeps it in its header.
//!
//! # Example
//! ```
//! use wasm_type_registry::gc_layout::{gc_layout_registry, GcLayout, LayoutConfig};
//! use wasm_type_registry::*;
//!
//! let registry = gc_layout_registry(LayoutConfig::new(8));
//! let field = |storage| FieldType { mutable: true, storage };
//! // (struct (field i8) (field f64) (field i16))
//! let ty = SubType::struct_(
//!     false,
//!     None,
//!     [field(StorageType::I8), field(StorageType::Val(ValType::F64)), field(StorageType::I16)],
//! );
//! let point = registry.register_type(ty)?;
//! // The i8 after the header, the f64 at the next multiple of 8, the i16
//! // after it (ending at byte 26), and the size rounded up to 8.
//! assert_eq!(
//!     point.data::<GcLayout>(),
//!     Ok(&GcLayout::Struct { size: 32, align: 8, offsets: vec![8, 16, 24], refs: vec![false; 3] })
//! );
//! # Ok::<(), RegistryError>(())
//! ```

use std::fmt;

use crate::{CompositeType, StorageType, TypeDataContext, TypeRegistry, ValType};

/// The largest object [`LayoutConfig::new`] allows, in bytes (an array's
/// size without its elements): 1 MiB.
///
/// Every struct type that validation admits fits with room to spare
/// ([`MAX_STRUCT_FIELDS`](crate::MAX_STRUCT_FIELDS) fields of 16 bytes take
/// 160,000 bytes), so this default refuses a type only for a header of
/// hundreds of kilobytes. A runtime with a smaller limit on what it
/// allocates sets [`LayoutConfig::max_size`].
pub const MAX_OBJECT_SIZE: u32 = 1 << 20;

/// What every object of a runtime starts with, and how large an object may
/// be: the inputs of [`gc_layout`] besides the type.
///
/// # Examples
/// ```
/// use wasm_type_registry::gc_layout::{LayoutConfig, MAX_OBJECT_SIZE};
///
/// // A 16-byte header (say a type index, GC bits and a reference count),
/// // objects up to 64 KiB.
/// let mut config = LayoutConfig::new(16);
/// config.max_size = 1 << 16;
/// assert_eq!((config.header_size, config.header_align), (16, 8));
/// assert_eq!(LayoutConfig::default(), LayoutConfig::new(8));
/// assert_eq!(LayoutConfig::default().max_size, MAX_OBJECT_SIZE);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct LayoutConfig {
    /// Bytes of the header every object starts with; fields and the array
    /// length come after it.
    pub header_size: u32,
    /// The header's alignment, and so every object's least alignment. A
    /// power of two; [`gc_layout`] refuses any other value with
    /// [`LayoutError::HeaderAlign`].
    pub header_align: u32,
    /// The largest object size in bytes (for an array, its size without
    /// elements); [`gc_layout`] refuses a larger object with
    /// [`LayoutError::TooLarge`].
    pub max_size: u32,
}

impl LayoutConfig {
    /// A `header_size`-byte header aligned to 8, objects up to
    /// [`MAX_OBJECT_SIZE`].
    pub const fn new(header_size: u32) -> Self {
        LayoutConfig { header_size, header_align: 8, max_size: MAX_OBJECT_SIZE }
    }
}

/// An 8-byte header aligned to 8 (Wasmtime's `VMGcHeader`), objects up to
/// [`MAX_OBJECT_SIZE`]: `LayoutConfig::new(8)`.
impl Default for LayoutConfig {
    fn default() -> Self {
        LayoutConfig::new(8)
    }
}

/// A GC object's layout: [`gc_layout`]'s answer for one composite type.
/// Offsets count from the start of the object, header included.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum GcLayout {
    /// A struct: its size and alignment, and each field's offset and
    /// whether it is a reference.
    Struct {
        /// Bytes, header and padding included: a multiple of `align`.
        size: u32,
        /// The object's alignment: the header's or its largest field's,
        /// whichever is larger.
        align: u32,
        /// Each field's byte offset, in declared order.
        offsets: Vec<u32>,
        /// Which fields hold references, in declared order.
        refs: Vec<bool>,
    },
    /// An array: where its length and elements lie (its total size for a
    /// given length: [`GcLayout::array_size`]).
    Array {
        /// Byte offset of the 32-bit length.
        length_offset: u32,
        /// Byte offset of element 0.
        base: u32,
        /// The object's alignment: the header's, 4 (the length's) or the
        /// element size, whichever is largest.
        align: u32,
        /// Bytes per element; elements lie back to back.
        element_size: u32,
        /// Whether the elements are references.
        element_is_ref: bool,
    },
    /// A function or continuation type: it has no objects.
    None,
}

impl GcLayout {
    /// The size in bytes of an array of `len` elements with this layout,
    /// rounded up to its alignment; `None` if this is not an array layout
    /// or the size does not fit in a `u32`.
    ///
    /// # Examples
    /// ```
    /// use wasm_type_registry::gc_layout::{gc_layout, GcLayout, LayoutConfig};
    /// use wasm_type_registry::*;
    ///
    /// let bytes = SubType::array(false, None, FieldType { mutable: true, storage: StorageType::I8 });
    /// let layout = gc_layout(LayoutConfig::new(8), &bytes.composite)?;
    /// // Header, length at 8, elements from 12 on, sizes rounded up to 8.
    /// assert_eq!(layout.array_size(0), Some(16));
    /// assert_eq!(layout.array_size(5), Some(24));
    /// assert_eq!(layout.array_size(u32::MAX), None);
    /// assert_eq!(GcLayout::None.array_size(1), None);
    /// # Ok::<(), wasm_type_registry::gc_layout::LayoutError>(())
    /// ```
    pub fn array_size(&self, len: u32) -> Option<u32> {
        let GcLayout::Array { base, align, element_size, .. } = *self else {
            return None;
        };
        let end = u64::from(base) + u64::from(len) * u64::from(element_size);
        u32::try_from(round_up(end, u64::from(align))).ok()
    }
}

/// A type [`gc_layout`] refuses. It reaches the registering caller as the
/// source of [`RegistryError::TypeData`](crate::RegistryError::TypeData).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum LayoutError {
    /// The object would be larger than [`LayoutConfig::max_size`].
    TooLarge {
        /// The object's size in bytes (an array's without elements).
        size: u64,
        /// The limit it exceeds.
        max_size: u32,
    },
    /// [`LayoutConfig::header_align`] is not a power of two.
    HeaderAlign {
        /// The alignment given.
        align: u32,
    },
}

impl fmt::Display for LayoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LayoutError::TooLarge { size, max_size } => {
                write!(f, "an object of {size} bytes is larger than the limit of {max_size} bytes")
            }
            LayoutError::HeaderAlign { align } => {
                write!(f, "the header alignment {align} is not a power of two")
            }
        }
    }
}

impl std::error::Error for LayoutError {}

/// The size of a field or element of this storage type, which is also its
/// alignment, and whether it holds a reference.
///
/// # Examples
/// ```
/// use wasm_type_registry::gc_layout::storage_size;
/// use wasm_type_registry::*;
///
/// assert_eq!(storage_size(StorageType::I16), (2, false));
/// assert_eq!(storage_size(StorageType::Val(ValType::V128)), (16, false));
/// let anyref = ValType::Ref(RefType::nullable(AbstractHeapType::Any));
/// assert_eq!(storage_size(StorageType::Val(anyref)), (4, true));
/// ```
pub fn storage_size(storage: StorageType) -> (u32, bool) {
    match storage {
        StorageType::I8 => (1, false),
        StorageType::I16 => (2, false),
        StorageType::Val(ValType::I32 | ValType::F32) => (4, false),
        StorageType::Val(ValType::Ref(_)) => (4, true),
        StorageType::Val(ValType::I64 | ValType::F64) => (8, false),
        StorageType::Val(ValType::V128) => (16, false),
    }
}

/// The layout of objects of type `ty` (see the [module docs](self) for the
/// rules): [`GcLayout::None`] for a function or continuation type.
///
/// # Errors
/// [`LayoutError::TooLarge`] for an object larger than `config.max_size`,
/// [`LayoutError::HeaderAlign`] for a `config.header_align` that is not a
/// power of two.
///
/// # Examples
/// ```
/// use wasm_type_registry::gc_layout::{gc_layout, GcLayout, LayoutConfig, LayoutError};
/// use wasm_type_registry::*;
///
/// let field = |storage| FieldType { mutable: false, storage };
/// // (struct (field i32) (field v128)): the v128 at the next multiple of
/// // 16, and the object aligned to 16.
/// let ty = SubType::struct_(false, None, [field(StorageType::Val(ValType::I32)), field(StorageType::Val(ValType::V128))]);
/// let layout = gc_layout(LayoutConfig::new(8), &ty.composite)?;
/// assert_eq!(layout, GcLayout::Struct { size: 32, align: 16, offsets: vec![8, 16], refs: vec![false; 2] });
///
/// let mut small = LayoutConfig::new(8);
/// small.max_size = 24;
/// assert_eq!(gc_layout(small, &ty.composite), Err(LayoutError::TooLarge { size: 32, max_size: 24 }));
/// # Ok::<(), LayoutError>(())
/// ```
pub fn gc_layout(config: LayoutConfig, ty: &CompositeType) -> Result<GcLayout, LayoutError> {
    if !config.header_align.is_power_of_two() {
        return Err(LayoutError::HeaderAlign { align: config.header_align });
    }
    // In 64 bits: no field list and no header overflows them, so the size
    // is compared with the limit after it is computed, never wrapped.
    let header_size = u64::from(config.header_size);
    let header_align = u64::from(config.header_align);
    let fits = |size: u64| {
        if size > u64::from(config.max_size) {
            Err(LayoutError::TooLarge { size, max_size: config.max_size })
        } else {
            Ok(())
        }
    };
    match ty {
        CompositeType::Struct(s) => {
            let (mut end, mut align) = (header_size, header_align);
            let mut offsets = Vec::with_capacity(s.fields.len());
            let mut refs = Vec::with_capacity(s.fields.len());
            for field in s.fields.iter() {
                let (size, is_ref) = storage_size(field.storage);
                let (size, offset) = (u64::from(size), round_up(end, u64::from(size)));
                offsets.push(offset);
                refs.push(is_ref);
                end = offset + size;
                align = align.max(size);
            }
            let size = round_up(end, align);
            fits(size)?;
            // Every offset is below `size`, which fits in a `u32`.
            let offsets = offsets.into_iter().map(|offset| offset as u32).collect();
            Ok(GcLayout::Struct { size: size as u32, align: align as u32, offsets, refs })
        }
        CompositeType::Array(a) => {
            let (element_size, element_is_ref) = storage_size(a.element.storage);
            let length_offset = round_up(header_size, 4);
            let base = round_up(length_offset + 4, u64::from(element_size));
            let align = header_align.max(4).max(u64::from(element_size));
            fits(round_up(base, align))?;
            Ok(GcLayout::Array {
                length_offset: length_offset as u32,
                base: base as u32,
                align: align as u32,
                element_size,
                element_is_ref,
            })
        }
        CompositeType::Func(_) | CompositeType::Cont(_) => Ok(GcLayout::None),
    }
}

/// A registry that keeps each type's [`GcLayout`] as its per-type data
/// ([`TypeRegistry::with_type_data`]): read it with
/// [`TypeRegistry::type_data`], [`TypeRegistry::type_data`],
/// [`RegisteredType::data`](crate::RegisteredType::data) or
/// [`TypeCollection::data`](crate::TypeCollection::data). A type that
/// [`gc_layout`] refuses fails its registration with
/// [`RegistryError::TypeData`](crate::RegistryError::TypeData), whose
/// source is the [`LayoutError`].
///
/// # Examples
/// ```
/// use wasm_type_registry::gc_layout::{gc_layout_registry, GcLayout, LayoutConfig};
/// use wasm_type_registry::*;
///
/// let registry = gc_layout_registry(LayoutConfig::new(8));
/// let i64_ = FieldType { mutable: true, storage: StorageType::Val(ValType::I64) };
/// let base = registry.register_type(SubType::struct_(false, None, [i64_]))?;
/// let sub = SubType::struct_(false, Some(TypeRef::Engine(base.index())), [i64_, i64_]);
/// let sub = registry.register_type(sub)?;
/// let size = |layout: &GcLayout| match layout {
///     GcLayout::Struct { size, .. } => *size,
///     _ => 0,
/// };
/// let layouts = registry.type_data::<GcLayout>()?;
/// assert_eq!(layouts.get(base.index(), size), Some(16));
/// assert_eq!(layouts.get(sub.index(), size), Some(24));
/// # Ok::<(), RegistryError>(())
/// ```
pub fn gc_layout_registry(config: LayoutConfig) -> TypeRegistry {
    TypeRegistry::with_type_data(move |cx: TypeDataContext<'_, GcLayout>| gc_layout(config, &cx.ty.composite))
}

/// `offset` rounded up to a multiple of `align` (a power of two).
fn round_up(offset: u64, align: u64) -> u64 {
    offset.div_ceil(align) * align
}
