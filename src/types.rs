//! The WebAssembly 3.0 type model: value, heap, storage and composite types,
//! sub types and the three kinds of type reference.
//!
//! This is the crate's own model; it does not depend on any engine. Every
//! type a Wasm 3.0 type section can express (the GC, function-references and
//! exception-handling proposals included) has a value here.
//!
//! A [`TypeRef`] says *which index space* a concrete reference lives in. The
//! same [`SubType`] value moves through three forms over its life:
//!
//! | form | references | produced by |
//! |---|---|---|
//! | module | [`TypeRef::Module`] only | the embedder, a [`ModuleTypes`](crate::ModuleTypes) builder |
//! | hash-consing key | [`TypeRef::RecGroup`] inside the group, [`TypeRef::Shared`] outside | [`canon::module_group_key`](crate::canon::module_group_key), [`canon::singleton_key`](crate::canon::singleton_key) |
//! | runtime | [`TypeRef::Shared`] only | [`canon::for_runtime`](crate::canon::for_runtime), what [`TypeRegistry::borrow`](crate::TypeRegistry::borrow) returns |

use std::fmt;

macro_rules! index_newtype {
    ($(#[$doc:meta])* $name:ident, $prefix:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(u32);

        impl $name {
            /// Wraps a raw index.
            #[inline]
            pub const fn from_u32(index: u32) -> Self {
                Self(index)
            }

            /// The raw index.
            #[inline]
            pub const fn as_u32(self) -> u32 {
                self.0
            }

            /// The raw index as a `usize`, for indexing tables.
            #[inline]
            pub const fn as_usize(self) -> usize {
                self.0 as usize
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!($prefix, "{}"), self.0)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }
    };
}

index_newtype!(
    /// The index of a type in one module's type index space (its type section,
    /// in order, across all of its rec groups).
    ModuleTypeIndex,
    "module:"
);

index_newtype!(
    /// The index of a type in a [`TypeRegistry`](crate::TypeRegistry): equal
    /// types registered from any module get the same shared index, so that
    /// `call_indirect` and casts compare indices.
    ///
    /// An index stays valid while a [`TypeCollection`](crate::TypeCollection)
    /// or [`RegisteredType`](crate::RegisteredType) holds its type; after the
    /// last one is dropped the index is freed and may be handed to another type.
    SharedTypeIndex,
    "shared:"
);

/// A reference to a concrete type, in one of three index spaces.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum TypeRef {
    /// An index into the defining module's type index space.
    Module(ModuleTypeIndex),
    /// An index relative to the start of the rec group that contains the
    /// referring type. Only valid inside that group: in hash-consing keys,
    /// and to let [`RegisteredType::new`](crate::RegisteredType::new) express a
    /// self-recursive singleton type (`RecGroup(0)`).
    RecGroup(u32),
    /// An index into a registry.
    Shared(SharedTypeIndex),
}

impl TypeRef {
    /// The shared index, if this reference is in the registry's index space.
    pub fn as_shared(self) -> Option<SharedTypeIndex> {
        match self {
            TypeRef::Shared(index) => Some(index),
            _ => None,
        }
    }
}

/// The abstract heap types of Wasm 3.0, in three hierarchies plus exceptions:
///
/// ```text
///   any                 func      extern     exn
///    |                   |          |         |
///    eq              (concrete)  noextern   noexn
///  /  |  \               |
/// i31 struct array     nofunc
///  \  |   /
///   none
/// ```
///
/// Concrete struct and array types sit under `struct`/`array` and above
/// `none`; concrete function types sit under `func` and above `nofunc`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum AbstractHeapType {
    /// `func`: top of the function hierarchy.
    Func,
    /// `nofunc`: bottom of the function hierarchy.
    NoFunc,
    /// `extern`: top of the external hierarchy.
    Extern,
    /// `noextern`: bottom of the external hierarchy.
    NoExtern,
    /// `any`: top of the internal (GC) hierarchy.
    Any,
    /// `eq`: comparable internal references.
    Eq,
    /// `i31`: unboxed 31-bit scalars.
    I31,
    /// `struct`: any struct.
    Struct,
    /// `array`: any array.
    Array,
    /// `none`: bottom of the internal hierarchy.
    None,
    /// `exn`: top of the exception hierarchy.
    Exn,
    /// `noexn`: bottom of the exception hierarchy.
    NoExn,
}

impl AbstractHeapType {
    /// The top type of this type's hierarchy.
    pub fn top(self) -> AbstractHeapType {
        use AbstractHeapType::*;
        match self {
            Func | NoFunc => Func,
            Extern | NoExtern => Extern,
            Any | Eq | I31 | Struct | Array | None => Any,
            Exn | NoExn => Exn,
        }
    }

    /// The bottom type of this type's hierarchy.
    pub fn bottom(self) -> AbstractHeapType {
        use AbstractHeapType::*;
        match self.top() {
            Func => NoFunc,
            Extern => NoExtern,
            Exn => NoExn,
            _ => None,
        }
    }
}

/// A heap type: abstract, or a reference to a concrete type.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum HeapType {
    /// One of the abstract heap types.
    Abstract(AbstractHeapType),
    /// A concrete (defined) type.
    Concrete(TypeRef),
}

/// A reference type: a heap type and whether `null` is a value of it.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct RefType {
    /// Whether `null` inhabits the type (`ref null ht` rather than `ref ht`).
    pub nullable: bool,
    /// The referenced heap type.
    pub heap_type: HeapType,
}

impl RefType {
    /// `(ref null ht)` for an abstract `ht`.
    pub const fn nullable(heap_type: AbstractHeapType) -> Self {
        RefType { nullable: true, heap_type: HeapType::Abstract(heap_type) }
    }

    /// `(ref null? t)` for a concrete type reference `t`.
    pub const fn concrete(nullable: bool, ty: TypeRef) -> Self {
        RefType { nullable, heap_type: HeapType::Concrete(ty) }
    }
}

/// A value type.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum ValType {
    /// `i32`.
    I32,
    /// `i64`.
    I64,
    /// `f32`.
    F32,
    /// `f64`.
    F64,
    /// `v128`.
    V128,
    /// A reference type.
    Ref(RefType),
}

/// A field's storage type: a value type or a packed integer.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum StorageType {
    /// Packed 8-bit integer.
    I8,
    /// Packed 16-bit integer.
    I16,
    /// An unpacked value type.
    Val(ValType),
}

/// A struct field or array element type.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct FieldType {
    /// Whether the field can be written after allocation.
    pub mutable: bool,
    /// What the field stores.
    pub storage: StorageType,
}

/// A function type.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct FuncType {
    /// Parameter types, in order.
    pub params: Box<[ValType]>,
    /// Result types, in order.
    pub results: Box<[ValType]>,
}

/// A struct type.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct StructType {
    /// Field types, in order.
    pub fields: Box<[FieldType]>,
}

/// An array type.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct ArrayType {
    /// The element type.
    pub element: FieldType,
}

/// The three kinds of composite type, without their contents.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum CompositeKind {
    /// A function type.
    Func,
    /// A struct type.
    Struct,
    /// An array type.
    Array,
}

impl CompositeKind {
    /// The abstract heap type directly above every concrete type of this kind
    /// (`func`, `struct` or `array`).
    pub fn abstract_heap_type(self) -> AbstractHeapType {
        match self {
            CompositeKind::Func => AbstractHeapType::Func,
            CompositeKind::Struct => AbstractHeapType::Struct,
            CompositeKind::Array => AbstractHeapType::Array,
        }
    }
}

/// A function, struct or array type.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum CompositeType {
    /// A function type.
    Func(FuncType),
    /// A struct type.
    Struct(StructType),
    /// An array type.
    Array(ArrayType),
}

impl CompositeType {
    /// Which kind of composite type this is.
    pub fn kind(&self) -> CompositeKind {
        match self {
            CompositeType::Func(_) => CompositeKind::Func,
            CompositeType::Struct(_) => CompositeKind::Struct,
            CompositeType::Array(_) => CompositeKind::Array,
        }
    }
}

/// A type definition: a composite type, whether it may be subtyped, and its
/// declared supertype.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct SubType {
    /// A final type may not be declared as anyone's supertype.
    pub is_final: bool,
    /// The declared supertype, if any (at most one).
    pub supertype: Option<TypeRef>,
    /// The type's structure.
    pub composite: CompositeType,
}

impl SubType {
    /// A final function type with no supertype, the MVP's only kind of type.
    pub fn func(params: impl Into<Box<[ValType]>>, results: impl Into<Box<[ValType]>>) -> Self {
        SubType {
            is_final: true,
            supertype: None,
            composite: CompositeType::Func(FuncType { params: params.into(), results: results.into() }),
        }
    }

    /// A struct type with the given finality and supertype.
    pub fn struct_(is_final: bool, supertype: Option<TypeRef>, fields: impl Into<Box<[FieldType]>>) -> Self {
        SubType { is_final, supertype, composite: CompositeType::Struct(StructType { fields: fields.into() }) }
    }

    /// An array type with the given finality and supertype.
    pub fn array(is_final: bool, supertype: Option<TypeRef>, element: FieldType) -> Self {
        SubType { is_final, supertype, composite: CompositeType::Array(ArrayType { element }) }
    }

    /// The function type, if this is one.
    pub fn as_func(&self) -> Option<&FuncType> {
        match &self.composite {
            CompositeType::Func(f) => Some(f),
            _ => None,
        }
    }

    /// Calls `f` on every type reference in this type: the supertype first,
    /// then the references in the composite type in order.
    pub fn trace<E>(&self, mut f: impl FnMut(TypeRef) -> Result<(), E>) -> Result<(), E> {
        if let Some(sup) = self.supertype {
            f(sup)?;
        }
        let mut val = |v: &ValType| match v {
            ValType::Ref(RefType { heap_type: HeapType::Concrete(r), .. }) => f(*r),
            _ => Ok(()),
        };
        match &self.composite {
            CompositeType::Func(func) => func.params.iter().chain(func.results.iter()).try_for_each(val),
            CompositeType::Struct(s) => s.fields.iter().try_for_each(|field| match &field.storage {
                StorageType::Val(v) => val(v),
                StorageType::I8 | StorageType::I16 => Ok(()),
            }),
            CompositeType::Array(a) => match &a.element.storage {
                StorageType::Val(v) => val(v),
                StorageType::I8 | StorageType::I16 => Ok(()),
            },
        }
    }

    /// A copy of this type with every type reference replaced by `f`'s
    /// result, or `f`'s first error.
    pub fn map_refs<E>(&self, mut f: impl FnMut(TypeRef) -> Result<TypeRef, E>) -> Result<SubType, E> {
        let supertype = self.supertype.map(&mut f).transpose()?;
        let composite = match &self.composite {
            CompositeType::Func(func) => CompositeType::Func(FuncType {
                params: try_map_slice(&func.params, |v| map_val(v, &mut f))?,
                results: try_map_slice(&func.results, |v| map_val(v, &mut f))?,
            }),
            CompositeType::Struct(s) => {
                CompositeType::Struct(StructType { fields: try_map_slice(&s.fields, |x| map_field(x, &mut f))? })
            }
            CompositeType::Array(a) => CompositeType::Array(ArrayType { element: map_field(&a.element, &mut f)? }),
        };
        Ok(SubType { is_final: self.is_final, supertype, composite })
    }
}

/// `items` mapped through `f` into a boxed slice of exactly the right size.
/// (Collecting into `Result<Box<[_]>, E>` cannot see the length through the
/// error adapter, so it grows a vector and reallocates; registration copies
/// every type, so that showed up in profiles.)
fn try_map_slice<T, U, E>(items: &[T], mut f: impl FnMut(&T) -> Result<U, E>) -> Result<Box<[U]>, E> {
    let mut mapped = Vec::with_capacity(items.len());
    for item in items {
        mapped.push(f(item)?);
    }
    Ok(mapped.into_boxed_slice())
}

fn map_val<E>(v: &ValType, f: &mut impl FnMut(TypeRef) -> Result<TypeRef, E>) -> Result<ValType, E> {
    Ok(match *v {
        ValType::Ref(RefType { nullable, heap_type: HeapType::Concrete(r) }) => {
            ValType::Ref(RefType::concrete(nullable, f(r)?))
        }
        other => other,
    })
}

fn map_field<E>(field: &FieldType, f: &mut impl FnMut(TypeRef) -> Result<TypeRef, E>) -> Result<FieldType, E> {
    Ok(FieldType {
        mutable: field.mutable,
        storage: match &field.storage {
            StorageType::Val(v) => StorageType::Val(map_val(v, f)?),
            packed => *packed,
        },
    })
}
