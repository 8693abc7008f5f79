//! The WebAssembly 3.0 type model: value, heap, storage and composite types,
//! sub types and the three kinds of type reference.
//!
//! This is the crate's own model; it does not depend on any engine. Every
//! type a Wasm 3.0 type section can express (the GC, function-references and
//! exception-handling proposals included) has a value here, and so do the
//! type features of custom descriptors (exact references, descriptor
//! clauses), stack switching (continuation types) and shared-everything
//! threads (shared composite types, shared abstract heap types).
//!
//! A [`TypeRef`] says *which index space* a concrete reference lives in. The
//! same [`SubType`] value moves through three forms over its life:
//!
//! | form | references | produced by |
//! |---|---|---|
//! | module | [`TypeRef::Module`] only | the embedder, a [`ModuleTypes`](crate::ModuleTypes) builder |
//! | hash-consing key | [`TypeRef::RecGroup`] inside the group, [`TypeRef::Engine`] outside | [`canon::module_group_key`](crate::canon::module_group_key), [`canon::singleton_key`](crate::canon::singleton_key) |
//! | runtime | [`TypeRef::Engine`] only | [`canon::for_runtime`](crate::canon::for_runtime), what [`TypeRegistry::borrow`](crate::TypeRegistry::borrow) returns |

pub use crate::type_ref::{EngineTypeIndex, ModuleTypeIndex, RefSite, TypeRef};

/// The abstract heap types of Wasm 3.0, in three hierarchies plus exceptions,
/// and the continuation hierarchy of the stack-switching proposal:
///
/// ```text
///   any                 func      extern     exn      cont
///    |                   |          |         |         |
///    eq              (concrete)  noextern   noexn   (concrete)
///  /  |  \               |                             |
/// i31 struct array     nofunc                        nocont
///  \  |   /
///   none
/// ```
///
/// Concrete struct and array types sit under `struct`/`array` and above
/// `none`; concrete function types sit under `func` and above `nofunc`;
/// concrete continuation types under `cont` and above `nocont`.
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
    /// `cont`: top of the continuation hierarchy (stack switching).
    Cont,
    /// `nocont`: bottom of the continuation hierarchy (stack switching).
    NoCont,
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
            Cont | NoCont => Cont,
        }
    }

    /// The bottom type of this type's hierarchy.
    pub fn bottom(self) -> AbstractHeapType {
        use AbstractHeapType::*;
        match self.top() {
            Func => NoFunc,
            Extern => NoExtern,
            Exn => NoExn,
            Cont => NoCont,
            _ => None,
        }
    }
}

/// A heap type: abstract, or a reference to a concrete type, or (custom
/// descriptors proposal) to exactly one concrete type.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum HeapType {
    /// One of the abstract heap types.
    Abstract(AbstractHeapType),
    /// A concrete (defined) type: its values are of that type or any of
    /// its subtypes.
    Concrete(TypeRef),
    /// `(exact $t)`: values of the concrete type `$t` itself, none of its
    /// strict subtypes (custom descriptors proposal). Below
    /// [`Concrete`](HeapType::Concrete) of the same type, above the
    /// hierarchy's bottom.
    ///
    /// A second variant that carries a [`TypeRef`] costs a tag: a heap type
    /// is 12 bytes rather than 8, a value type 16 rather than 12. An exact
    /// bit on [`RefType`] (V8's choice) would keep the old sizes, but could
    /// say `(exact any)`, which means nothing.
    Exact(TypeRef),
    /// `(shared ht)` for an abstract `ht` (shared-everything threads
    /// proposal): references that may cross threads. The shared abstract
    /// types form hierarchies of their own, shaped like the unshared ones
    /// and never mixing with them. ("Shared" here is the proposal's word;
    /// it has nothing to do with a registry's engine type indices.)
    SharedAbstract(AbstractHeapType),
}

impl HeapType {
    /// The concrete type referenced, exact or not.
    pub fn type_ref(self) -> Option<TypeRef> {
        match self {
            HeapType::Concrete(r) | HeapType::Exact(r) => Some(r),
            HeapType::Abstract(_) | HeapType::SharedAbstract(_) => None,
        }
    }

    /// The same kind of heap type (abstract, concrete or exact) with its
    /// type reference replaced by `f`'s result.
    pub(crate) fn map_ref<E>(self, f: impl FnOnce(TypeRef) -> Result<TypeRef, E>) -> Result<HeapType, E> {
        Ok(match self {
            HeapType::Concrete(r) => HeapType::Concrete(f(r)?),
            HeapType::Exact(r) => HeapType::Exact(f(r)?),
            abstract_ => abstract_,
        })
    }
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

/// A struct type, with the descriptor clauses of the custom descriptors
/// proposal (only struct types may have them).
///
/// A type `$t` with `(descriptor $d)` has runtime descriptor objects of
/// type `$d`, and `$d` then says `(describes $t)`. Both clauses name a type
/// of the same rec group, and `describes` names an earlier one; the pair is
/// part of the type's identity (it hash-conses and matches with it).
#[derive(Clone, PartialEq, Eq, Hash, Debug, Default)]
pub struct StructType {
    /// Field types, in order.
    pub fields: Box<[FieldType]>,
    /// `(descriptor $d)`: the type of this type's descriptors.
    pub descriptor: Option<TypeRef>,
    /// `(describes $t)`: the type this type is the descriptor of.
    pub describes: Option<TypeRef>,
}

impl StructType {
    /// A struct type with these fields and no descriptor clauses.
    pub fn new(fields: impl Into<Box<[FieldType]>>) -> Self {
        StructType { fields: fields.into(), descriptor: None, describes: None }
    }
}

/// A continuation type `(cont $ft)` of the stack-switching proposal: a
/// suspended computation that, resumed with `$ft`'s parameters, finishes
/// with its results.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct ContType {
    /// The function type `$ft`.
    pub func: TypeRef,
}

/// An array type.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct ArrayType {
    /// The element type.
    pub element: FieldType,
}

/// The kinds of composite type, without their contents.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum CompositeKind {
    /// A function type.
    Func,
    /// A struct type.
    Struct,
    /// An array type.
    Array,
    /// A continuation type.
    Cont,
}

impl CompositeKind {
    /// The abstract heap type directly above every concrete type of this kind
    /// (`func`, `struct`, `array` or `cont`).
    pub fn abstract_heap_type(self) -> AbstractHeapType {
        match self {
            CompositeKind::Func => AbstractHeapType::Func,
            CompositeKind::Struct => AbstractHeapType::Struct,
            CompositeKind::Array => AbstractHeapType::Array,
            CompositeKind::Cont => AbstractHeapType::Cont,
        }
    }
}

/// What matching needs to know about a concrete type without its contents:
/// its kind and whether it is shared (shared-everything threads).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct TypeKind {
    /// Function, struct, array or continuation.
    pub composite: CompositeKind,
    /// Whether the type was declared `(shared ...)`.
    pub shared: bool,
}

impl TypeKind {
    /// The abstract heap type directly above every concrete type of this
    /// kind: `func`, `struct`, `array` or `cont`, or their shared versions.
    ///
    /// # Examples
    /// ```
    /// use wasm_type_registry::*;
    ///
    /// let kind = TypeKind { composite: CompositeKind::Struct, shared: true };
    /// assert_eq!(kind.abstract_heap_type(), HeapType::SharedAbstract(AbstractHeapType::Struct));
    /// ```
    pub fn abstract_heap_type(self) -> HeapType {
        self.in_hierarchy(self.composite.abstract_heap_type())
    }

    /// The bottom of this kind's hierarchy (`nofunc`, `none` or `nocont`),
    /// shared for a shared kind: the only abstract heap type below a
    /// concrete type of this kind.
    pub fn bottom(self) -> HeapType {
        self.in_hierarchy(self.composite.abstract_heap_type().bottom())
    }

    /// `ty` in this kind's hierarchies: shared or unshared.
    fn in_hierarchy(self, ty: AbstractHeapType) -> HeapType {
        if self.shared {
            HeapType::SharedAbstract(ty)
        } else {
            HeapType::Abstract(ty)
        }
    }
}

/// A function, struct, array or continuation type.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum CompositeType {
    /// A function type.
    Func(FuncType),
    /// A struct type.
    Struct(StructType),
    /// An array type.
    Array(ArrayType),
    /// A continuation type (stack switching).
    Cont(ContType),
}

impl CompositeType {
    /// Which kind of composite type this is.
    pub fn kind(&self) -> CompositeKind {
        match self {
            CompositeType::Func(_) => CompositeKind::Func,
            CompositeType::Struct(_) => CompositeKind::Struct,
            CompositeType::Array(_) => CompositeKind::Array,
            CompositeType::Cont(_) => CompositeKind::Cont,
        }
    }
}

/// A type definition: a composite type, whether it is shared, whether it
/// may be subtyped, and its declared supertype.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct SubType {
    /// `(shared ...)` (shared-everything threads proposal): values of the
    /// type may cross threads, so the type may mention only shared types
    /// (numeric types, shared abstract heap types and other shared
    /// concrete types). Shared and unshared types are distinct: they never
    /// hash-cons together, never subtype one another, and a shared type sits
    /// under the shared abstract heap types only.
    pub shared: bool,
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
            shared: false,
            is_final: true,
            supertype: None,
            composite: CompositeType::Func(FuncType { params: params.into(), results: results.into() }),
        }
    }

    /// A struct type with the given finality and supertype.
    pub fn struct_(is_final: bool, supertype: Option<TypeRef>, fields: impl Into<Box<[FieldType]>>) -> Self {
        SubType { shared: false, is_final, supertype, composite: CompositeType::Struct(StructType::new(fields)) }
    }

    /// An array type with the given finality and supertype.
    pub fn array(is_final: bool, supertype: Option<TypeRef>, element: FieldType) -> Self {
        SubType { shared: false, is_final, supertype, composite: CompositeType::Array(ArrayType { element }) }
    }

    /// The bytes this type's boxed slices ask the allocator for: a
    /// function's parameters and results, a struct's fields. The rest of a
    /// type (an array's element, a continuation's function, the supertype
    /// and descriptor clauses) is inline.
    pub(crate) fn heap_bytes(&self) -> usize {
        match &self.composite {
            CompositeType::Func(func) => size_of_val(&*func.params) + size_of_val(&*func.results),
            CompositeType::Struct(s) => size_of_val(&*s.fields),
            CompositeType::Array(_) | CompositeType::Cont(_) => 0,
        }
    }

    /// This type's kind and sharedness.
    pub fn kind(&self) -> TypeKind {
        TypeKind { composite: self.composite.kind(), shared: self.shared }
    }

    /// The same type, declared `(shared ...)`.
    ///
    /// # Examples
    /// ```
    /// use wasm_type_registry::*;
    ///
    /// let registry = TypeRegistry::new();
    /// let unshared = registry.register_type(SubType::func([ValType::I32], []))?;
    /// let shared = registry.register_type(SubType::func([ValType::I32], []).into_shared())?;
    /// assert_ne!(unshared.index(), shared.index());
    /// # Ok::<(), RegistryError>(())
    /// ```
    pub fn into_shared(self) -> Self {
        SubType { shared: true, ..self }
    }

    /// The function type, if this is one.
    pub fn as_func(&self) -> Option<&FuncType> {
        match &self.composite {
            CompositeType::Func(f) => Some(f),
            _ => None,
        }
    }

    /// Calls `f` on every type reference in this type: the supertype first,
    /// then the references in the composite type in order (a struct's
    /// `describes` and `descriptor` clauses before its fields; exact
    /// references like any other). The registry keeps every group traced
    /// here alive while this type is registered.
    pub fn trace<E>(&self, mut f: impl FnMut(TypeRef) -> Result<(), E>) -> Result<(), E> {
        self.trace_sites(|_, r| f(r))
    }

    /// [`trace`](Self::trace), telling `f` where each reference sits, so that
    /// an error about a reference can name its place in the type.
    ///
    /// # Examples
    /// ```
    /// use wasm_type_registry::*;
    ///
    /// let node = TypeRef::RecGroup(0);
    /// let ty = SubType::func([ValType::I32, ValType::Ref(RefType::concrete(true, node))], []);
    /// let mut sites = Vec::new();
    /// ty.trace_sites(|site, r| Ok::<_, ()>(sites.push((site, r)))).unwrap();
    /// assert_eq!(sites, [(RefSite::Param(1), node)]);
    /// assert_eq!(RefSite::Param(1).to_string(), "param 1");
    /// ```
    pub fn trace_sites<E>(&self, mut f: impl FnMut(RefSite, TypeRef) -> Result<(), E>) -> Result<(), E> {
        if let Some(sup) = self.supertype {
            f(RefSite::Supertype, sup)?;
        }
        if let CompositeType::Struct(s) = &self.composite {
            s.describes.map_or(Ok(()), |r| f(RefSite::Describes, r))?;
            s.descriptor.map_or(Ok(()), |r| f(RefSite::Descriptor, r))?;
        }
        // The concrete type a value or storage type refers to, if any.
        let val_ref = |v: &ValType| match v {
            ValType::Ref(RefType { heap_type, .. }) => heap_type.type_ref(),
            _ => None,
        };
        let storage_ref = |s: &StorageType| match s {
            StorageType::Val(v) => val_ref(v),
            StorageType::I8 | StorageType::I16 => None,
        };
        let number = |i: usize| u32::try_from(i).unwrap_or(u32::MAX);
        let mut each = |site: fn(u32) -> RefSite, refs: &mut dyn Iterator<Item = Option<TypeRef>>| {
            refs.enumerate().try_for_each(|(i, r)| r.map_or(Ok(()), |r| f(site(number(i)), r)))
        };
        match &self.composite {
            CompositeType::Func(func) => {
                each(RefSite::Param, &mut func.params.iter().map(val_ref))?;
                each(RefSite::Result, &mut func.results.iter().map(val_ref))
            }
            CompositeType::Struct(s) => each(RefSite::Field, &mut s.fields.iter().map(|x| storage_ref(&x.storage))),
            CompositeType::Array(a) => storage_ref(&a.element.storage).map_or(Ok(()), |r| f(RefSite::Element, r)),
            CompositeType::Cont(c) => f(RefSite::Continuation, c.func),
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
                // The same order as `trace`: describes, descriptor, fields.
                let describes = s.describes.map(&mut f).transpose()?;
                let descriptor = s.descriptor.map(&mut f).transpose()?;
                let fields = try_map_slice(&s.fields, |x| map_field(x, &mut f))?;
                CompositeType::Struct(StructType { fields, descriptor, describes })
            }
            CompositeType::Array(a) => CompositeType::Array(ArrayType { element: map_field(&a.element, &mut f)? }),
            CompositeType::Cont(c) => CompositeType::Cont(ContType { func: f(c.func)? }),
        };
        Ok(SubType { shared: self.shared, is_final: self.is_final, supertype, composite })
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
        ValType::Ref(RefType { nullable, heap_type }) => {
            ValType::Ref(RefType { nullable, heap_type: heap_type.map_ref(f)? })
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

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    /// Type definitions are copied, hashed and compared on every
    /// registration, so their building blocks stay small: this fails if a
    /// change grows them again (exact references took value types from 12
    /// to 16 bytes).
    #[test]
    fn value_types_stay_small() {
        assert!(std::mem::size_of::<HeapType>() <= 12);
        assert!(std::mem::size_of::<ValType>() <= 16);
        assert!(std::mem::size_of::<FieldType>() <= 20);
        assert!(std::mem::size_of::<SubType>() <= 56);
    }

    /// Descriptor clauses are references: traced (so the registry keeps
    /// their groups alive) and mapped in the same order, describes first.
    #[test]
    fn descriptor_clauses_and_continuations_are_traced_and_mapped() {
        let m = |i| TypeRef::Module(ModuleTypeIndex::from_u32(i));
        let field = FieldType {
            mutable: false,
            storage: StorageType::Val(ValType::Ref(RefType { nullable: true, heap_type: HeapType::Exact(m(3)) })),
        };
        let described = SubType {
            shared: false,
            is_final: true,
            supertype: Some(m(0)),
            composite: CompositeType::Struct(StructType {
                fields: Box::new([field]),
                descriptor: Some(m(2)),
                describes: Some(m(1)),
            }),
        };
        let cont = SubType {
            shared: false,
            is_final: true,
            supertype: None,
            composite: CompositeType::Cont(ContType { func: m(4) }),
        };
        for (ty, want) in [(&described, vec![0, 1, 2, 3]), (&cont, vec![4])] {
            let mut traced = Vec::new();
            ty.trace(|r| {
                traced.push(r);
                Ok::<(), ()>(())
            })
            .unwrap();
            assert_eq!(traced, want.iter().map(|&i| m(i)).collect::<Vec<_>>());
            let mut mapped = Vec::new();
            let shifted = ty
                .map_refs(|r| {
                    mapped.push(r);
                    Ok::<_, ()>(TypeRef::RecGroup(mapped.len() as u32))
                })
                .unwrap();
            assert_eq!(mapped, traced);
            let mut after = Vec::new();
            shifted
                .trace(|r| {
                    after.push(r);
                    Ok::<(), ()>(())
                })
                .unwrap();
            assert_eq!(after, (1..=want.len() as u32).map(TypeRef::RecGroup).collect::<Vec<_>>());
        }
    }
}
