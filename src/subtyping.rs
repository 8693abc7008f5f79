//! The subtyping rules of the spec over types whose concrete references a
//! [`TypeLookup`] can answer for: the abstract heap type hierarchy,
//! nullability, bottom types, concrete types through the lookup's
//! `is_subtype`, and the structural rules of function, struct and array
//! types.
//!
//! Used three times, with three lookups: by the registry, to check that a
//! newly registered type's structure matches its declared supertype; by
//! [`ModuleTypesBuilder::build`](crate::ModuleTypesBuilder::build), which
//! makes the same check within the module; and by embedders, through
//! [`TypeRegistry::matches`](crate::TypeRegistry::matches) and import
//! linking.

use crate::error::LinkError;
use crate::types::{
    AbstractHeapType, ArrayType, CompositeType, ContType, FieldType, FuncType, HeapType, RefType, StorageType,
    StructType, TypeKind, TypeRef, ValType,
};

/// What matching needs to know about concrete types. References are in
/// runtime form (engine indices) when the registry answers, and in
/// hash-consing form (engine indices outside a new group, group-relative
/// inside) while a new group is checked before it gets indices.
pub trait TypeLookup {
    /// The kind and sharedness of the referenced type, if it is known.
    fn kind(&self, ty: TypeRef) -> Option<TypeKind>;
    /// Whether `sub` is `sup` or declares it, transitively, as a supertype.
    fn is_subtype(&self, sub: TypeRef, sup: TypeRef) -> bool;
}

/// `a <: b` for abstract heap types.
fn abstract_matches(a: AbstractHeapType, b: AbstractHeapType) -> bool {
    use AbstractHeapType::*;
    a == b
        || matches!(
            (a, b),
            (NoFunc, Func)
                | (NoExtern, Extern)
                | (NoExn, Exn)
                | (NoCont, Cont)
                | (None, Any | Eq | I31 | Struct | Array)
                | (Eq | I31 | Struct | Array, Any)
                | (I31 | Struct | Array, Eq)
        )
}

/// `a <: b` for heap types. A concrete reference `lookup` does not know
/// matches nothing but itself.
///
/// Exact references (custom descriptors): `(exact $a) <: $b` when
/// `$a <: $b`, `(exact $a) <: (exact $b)` only when `$a` and `$b` are the
/// same type, and an inexact `$a` is never below an exact type; the
/// hierarchy's bottom is below both.
///
/// Shared types (shared-everything threads) match as their unshared
/// counterparts do, among themselves only: a shared concrete type sits
/// under the shared abstract types and above the shared bottoms.
pub(crate) fn heap_type_matches(lookup: &impl TypeLookup, a: HeapType, b: HeapType) -> bool {
    match (a, b) {
        (HeapType::Concrete(a) | HeapType::Exact(a), HeapType::Concrete(b)) => lookup.is_subtype(a, b),
        // Both forms give equal types equal references (engine indices by
        // hash consing, group-relative ones by position), so "the same
        // type" is `==`.
        (HeapType::Exact(a), HeapType::Exact(b)) => a == b,
        (HeapType::Concrete(_), HeapType::Exact(_)) => false,
        // Concrete below abstract: through the abstract type right above
        // the concrete one, shared or not.
        (HeapType::Concrete(a) | HeapType::Exact(a), _) => {
            lookup.kind(a).is_some_and(|kind| heap_type_matches(lookup, kind.abstract_heap_type(), b))
        }
        (_, HeapType::Concrete(b) | HeapType::Exact(b)) => lookup.kind(b).is_some_and(|kind| a == kind.bottom()),
        (HeapType::Abstract(a), HeapType::Abstract(b)) | (HeapType::SharedAbstract(a), HeapType::SharedAbstract(b)) => {
            abstract_matches(a, b)
        }
        // Shared and unshared hierarchies never mix.
        (HeapType::Abstract(_), HeapType::SharedAbstract(_)) | (HeapType::SharedAbstract(_), HeapType::Abstract(_)) => {
            false
        }
    }
}

/// `a <: b` for reference types.
pub(crate) fn ref_type_matches(lookup: &impl TypeLookup, a: RefType, b: RefType) -> bool {
    (!a.nullable || b.nullable) && heap_type_matches(lookup, a.heap_type, b.heap_type)
}

/// `a <: b` for value types.
pub(crate) fn val_type_matches(lookup: &impl TypeLookup, a: ValType, b: ValType) -> bool {
    match (a, b) {
        (ValType::Ref(a), ValType::Ref(b)) => ref_type_matches(lookup, a, b),
        (a, b) => a == b,
    }
}

pub(crate) fn storage_matches(lookup: &impl TypeLookup, a: StorageType, b: StorageType) -> bool {
    match (a, b) {
        (StorageType::Val(a), StorageType::Val(b)) => val_type_matches(lookup, a, b),
        (a, b) => a == b,
    }
}

/// Field subtyping: immutable fields are covariant, mutable fields must be
/// equivalent, which in both reference forms means equal (hash consing gives
/// equal types equal engine indices, and distinct types of one group have
/// distinct relative indices).
pub(crate) fn field_matches(lookup: &impl TypeLookup, a: FieldType, b: FieldType) -> bool {
    a.mutable == b.mutable
        && if a.mutable { a.storage == b.storage } else { storage_matches(lookup, a.storage, b.storage) }
}

/// Whether composite type `sub` may declare `sup` as its supertype; on
/// failure, which part does not match.
pub fn composite_matches(lookup: &impl TypeLookup, sub: &CompositeType, sup: &CompositeType) -> Result<(), String> {
    match (sub, sup) {
        (CompositeType::Func(a), CompositeType::Func(b)) => func_matches(lookup, a, b),
        (CompositeType::Struct(a), CompositeType::Struct(b)) => struct_matches(lookup, a, b),
        (CompositeType::Array(a), CompositeType::Array(b)) => array_matches(lookup, a, b),
        (CompositeType::Cont(a), CompositeType::Cont(b)) => cont_matches(lookup, a, b),
        (a, b) => Err(format!("{} type cannot subtype {} type", a.kind().with_article(), b.kind().with_article())),
    }
}

/// `a <: b` for function types: the same arity, parameters contravariant,
/// results covariant; on failure, which position does not match.
pub(crate) fn func_matches(lookup: &impl TypeLookup, a: &FuncType, b: &FuncType) -> Result<(), String> {
    if a.params.len() != b.params.len() || a.results.len() != b.results.len() {
        return Err(format!(
            "function arity differs: ({} params, {} results) vs ({} params, {} results)",
            a.params.len(),
            a.results.len(),
            b.params.len(),
            b.results.len()
        ));
    }
    if let Some(i) = (0..a.params.len()).find(|&i| !val_type_matches(lookup, b.params[i], a.params[i])) {
        return Err(format!("param {i}: {} is not a supertype of {}", a.params[i], b.params[i]));
    }
    if let Some(i) = (0..a.results.len()).find(|&i| !val_type_matches(lookup, a.results[i], b.results[i])) {
        return Err(format!("result {i}: {} does not match {}", a.results[i], b.results[i]));
    }
    Ok(())
}

/// `a <: b` for struct types: at least `b`'s fields, each matching; and
/// the descriptor clauses of the custom descriptors proposal: if `b` has a
/// descriptor, `a` has one and it is below `b`'s (`a` may add one `b`
/// lacks); `a` describes a type exactly when `b` does, and a subtype of
/// `b`'s.
pub(crate) fn struct_matches(lookup: &impl TypeLookup, a: &StructType, b: &StructType) -> Result<(), String> {
    match (a.descriptor, b.descriptor) {
        (_, None) => {}
        (Some(x), Some(y)) if lookup.is_subtype(x, y) => {}
        (Some(x), Some(y)) => return Err(format!("descriptor type {x} does not match the supertype's {y}")),
        (None, Some(y)) => return Err(format!("no descriptor, but the supertype's descriptor type is {y}")),
    }
    match (a.describes, b.describes) {
        (None, None) => {}
        (Some(x), Some(y)) if lookup.is_subtype(x, y) => {}
        (Some(x), Some(y)) => return Err(format!("described type {x} does not match the supertype's {y}")),
        (Some(x), None) => return Err(format!("describes {x}, but the supertype describes no type")),
        (None, Some(y)) => return Err(format!("describes no type, but the supertype describes {y}")),
    }
    if a.fields.len() < b.fields.len() {
        return Err(format!("{} fields, fewer than the supertype's {}", a.fields.len(), b.fields.len()));
    }
    match (0..b.fields.len()).find(|&i| !field_matches(lookup, a.fields[i], b.fields[i])) {
        Some(i) => Err(format!("field {i}: {} does not match {}", a.fields[i], b.fields[i])),
        None => Ok(()),
    }
}

/// `a <: b` for array types: the element types match as fields do.
pub(crate) fn array_matches(lookup: &impl TypeLookup, a: &ArrayType, b: &ArrayType) -> Result<(), String> {
    if field_matches(lookup, a.element, b.element) {
        Ok(())
    } else {
        Err(format!("element {} does not match {}", a.element, b.element))
    }
}

/// `a <: b` for continuation types (stack switching): `(cont $f) <: (cont
/// $g)` when `$f <: $g`.
pub(crate) fn cont_matches(lookup: &impl TypeLookup, a: &ContType, b: &ContType) -> Result<(), String> {
    if lookup.is_subtype(a.func, b.func) {
        Ok(())
    } else {
        Err(format!("function type {} is not a subtype of {}", a.func, b.func))
    }
}

mod sealed {
    use super::TypeLookup;
    use crate::error::LinkError;
    use crate::types::TypeRef;

    /// What [`Matching`](super::Matching) needs, out of the public API.
    pub trait Sealed: PartialEq {
        /// Calls `f` on every concrete type reference, in order.
        fn each_ref(&self, f: &mut dyn FnMut(TypeRef) -> Result<(), LinkError>) -> Result<(), LinkError>;
        /// `self <: sup`, with both in a form `lookup` understands.
        fn matches_in(&self, lookup: &impl TypeLookup, sup: &Self) -> bool;
    }
}

/// The types [`TypeRegistry::matches`](crate::TypeRegistry::matches) and [`TypeRegistry::equivalent`](crate::TypeRegistry::equivalent)
/// compare: [`ValType`], [`RefType`], [`HeapType`], [`StorageType`],
/// [`FieldType`], [`FuncType`], [`StructType`], [`ArrayType`],
/// [`ContType`] and [`CompositeType`]. Sealed: the crate implements it for these alone.
pub trait Matching: sealed::Sealed {}

impl<T: sealed::Sealed> Matching for T {}

fn each_val_ref(ty: &ValType, f: &mut dyn FnMut(TypeRef) -> Result<(), LinkError>) -> Result<(), LinkError> {
    match ty {
        ValType::Ref(RefType { heap_type, .. }) => heap_type.type_ref().map_or(Ok(()), f),
        _ => Ok(()),
    }
}

impl sealed::Sealed for HeapType {
    fn each_ref(&self, f: &mut dyn FnMut(TypeRef) -> Result<(), LinkError>) -> Result<(), LinkError> {
        self.type_ref().map_or(Ok(()), f)
    }

    fn matches_in(&self, lookup: &impl TypeLookup, sup: &Self) -> bool {
        heap_type_matches(lookup, *self, *sup)
    }
}

impl sealed::Sealed for RefType {
    fn each_ref(&self, f: &mut dyn FnMut(TypeRef) -> Result<(), LinkError>) -> Result<(), LinkError> {
        self.heap_type.each_ref(f)
    }

    fn matches_in(&self, lookup: &impl TypeLookup, sup: &Self) -> bool {
        ref_type_matches(lookup, *self, *sup)
    }
}

impl sealed::Sealed for ValType {
    fn each_ref(&self, f: &mut dyn FnMut(TypeRef) -> Result<(), LinkError>) -> Result<(), LinkError> {
        each_val_ref(self, f)
    }

    fn matches_in(&self, lookup: &impl TypeLookup, sup: &Self) -> bool {
        val_type_matches(lookup, *self, *sup)
    }
}

impl sealed::Sealed for StorageType {
    fn each_ref(&self, f: &mut dyn FnMut(TypeRef) -> Result<(), LinkError>) -> Result<(), LinkError> {
        match self {
            StorageType::Val(v) => each_val_ref(v, f),
            StorageType::I8 | StorageType::I16 => Ok(()),
        }
    }

    fn matches_in(&self, lookup: &impl TypeLookup, sup: &Self) -> bool {
        storage_matches(lookup, *self, *sup)
    }
}

impl sealed::Sealed for FieldType {
    fn each_ref(&self, f: &mut dyn FnMut(TypeRef) -> Result<(), LinkError>) -> Result<(), LinkError> {
        self.storage.each_ref(f)
    }

    fn matches_in(&self, lookup: &impl TypeLookup, sup: &Self) -> bool {
        field_matches(lookup, *self, *sup)
    }
}

/// Function, struct and array types match by their rules above,
/// whose error says which part differs; the predicate needs only the verdict.
macro_rules! composite_sealed {
    ($ty:ident, $rule:path, |$this:ident, $f:ident| $refs:expr) => {
        impl sealed::Sealed for $ty {
            fn each_ref(&self, $f: &mut dyn FnMut(TypeRef) -> Result<(), LinkError>) -> Result<(), LinkError> {
                let $this = self;
                $refs
            }

            fn matches_in(&self, lookup: &impl TypeLookup, sup: &Self) -> bool {
                $rule(lookup, self, sup).is_ok()
            }
        }
    };
}

composite_sealed!(FuncType, func_matches, |this, f| this
    .params
    .iter()
    .chain(this.results.iter())
    .try_for_each(|v| each_val_ref(v, f)));
composite_sealed!(StructType, struct_matches, |this, f| {
    this.describes.into_iter().chain(this.descriptor).try_for_each(&mut *f)?;
    this.fields.iter().try_for_each(|field| field.each_ref(f))
});
composite_sealed!(ContType, cont_matches, |this, f| f(this.func));
composite_sealed!(ArrayType, array_matches, |this, f| this.element.each_ref(f));

impl sealed::Sealed for CompositeType {
    fn each_ref(&self, f: &mut dyn FnMut(TypeRef) -> Result<(), LinkError>) -> Result<(), LinkError> {
        match self {
            CompositeType::Func(ty) => ty.each_ref(f),
            CompositeType::Struct(ty) => ty.each_ref(f),
            CompositeType::Array(ty) => ty.each_ref(f),
            CompositeType::Cont(ty) => ty.each_ref(f),
        }
    }

    fn matches_in(&self, lookup: &impl TypeLookup, sup: &Self) -> bool {
        composite_matches(lookup, self, sup).is_ok()
    }
}

/// `Ok` if every concrete reference in `ty` is an engine index.
pub(crate) fn check_engine_form(ty: &impl Matching) -> Result<(), LinkError> {
    ty.each_ref(&mut |reference| match reference {
        TypeRef::Engine(_) => Ok(()),
        _ => Err(LinkError::NotEngineForm { reference }),
    })
}

/// `sub <: sup` for two types that `lookup` answers for.
pub(crate) fn matches_in<T: Matching>(lookup: &impl TypeLookup, sub: &T, sup: &T) -> bool {
    sub.matches_in(lookup, sup)
}
