//! The rules a type must follow to be registered, each decided from the
//! type and what it references: index ranges and the rec-group structure
//! of a module's references, the clauses that must name a particular kind
//! of type, shared types mentioning only shared types, the declared
//! supertype's shape, subtyping depth and the JS-API size limits.
//!
//! Both front doors apply them: [`ModuleTypesBuilder::build`](crate::ModuleTypesBuilder::build)
//! to a whole module, and the registry to a group it has not seen (a type
//! registered directly is held to the same rules as one from a module).

use crate::error::TypeError;
use crate::subtyping::TypeLookup;
use crate::types::{
    CompositeKind, CompositeType, ContType, HeapType, ModuleTypeIndex, RefSite, RefType, StorageType, SubType, TypeRef,
    ValType,
};

/// The most types one module may define (JS API limit).
pub const MAX_TYPES: usize = 1_000_000;
/// The most fields a struct type may have (JS API limit).
pub const MAX_STRUCT_FIELDS: usize = 10_000;
/// The most parameters a function type may have (JS API limit).
pub const MAX_PARAMS: usize = 1_000;
/// The most results a function type may have (JS API limit).
pub const MAX_RESULTS: usize = 1_000;
/// The most supertypes a chain of declared supertypes may have (Wasm GC).
pub const MAX_SUBTYPING_DEPTH: usize = 63;

/// A module's type may only reference module indices, in range, and not in a
/// later rec group.
pub(crate) fn check_module_ref(
    r: TypeRef,
    (type_index, site): (u32, RefSite),
    rec_group: u32,
    group_end: u32,
    num_types: u32,
) -> Result<(), TypeError> {
    match r {
        TypeRef::Module(j) if j.as_u32() >= num_types => {
            Err(TypeError::IndexOutOfRange { type_index, referenced: j.as_u32(), num_types })
        }
        TypeRef::Module(j) if j.as_u32() >= group_end => {
            Err(TypeError::ForwardReference { type_index, referenced: j.as_u32(), rec_group })
        }
        TypeRef::Module(_) => Ok(()),
        other => Err(TypeError::WrongIndexSpace {
            type_index,
            site: Some(site),
            reference: other,
            expected: "module type indices",
        }),
    }
}

/// The clauses that must name a particular kind of type, in a particular
/// place: a struct's descriptor (a struct type of the same rec group that
/// describes it back) and described
/// type (an earlier struct type of the group whose descriptor it is, and
/// final exactly when it is: custom-descriptors PR #112). Runs after the
/// index checks, so every module index is in range.
pub(crate) fn check_clauses(types: &[SubType], i: usize, group: std::ops::Range<usize>) -> Result<(), TypeError> {
    let fail = |clause, referenced: usize, problem| TypeError::InvalidTypeClause {
        type_index: i as u32,
        clause,
        referenced: TypeRef::Module(ModuleTypeIndex::from_u32(referenced as u32)),
        problem,
    };
    let this = Some(TypeRef::Module(ModuleTypeIndex::from_u32(i as u32)));
    let as_struct = |j: usize| match &types[j].composite {
        CompositeType::Struct(s) => Some(s),
        _ => None,
    };
    let Some(s) = as_struct(i) else {
        return Ok(());
    };
    if let Some(TypeRef::Module(d)) = s.descriptor {
        let d = d.as_usize();
        if !group.contains(&d) {
            return Err(fail("descriptor", d, "the descriptor type is outside the rec group"));
        }
        match as_struct(d) {
            None => return Err(fail("descriptor", d, "the descriptor type is not a struct type")),
            Some(desc) if desc.describes != this => {
                return Err(fail("descriptor", d, "the descriptor type does not describe this type"))
            }
            Some(_) => {}
        }
    }
    if let Some(TypeRef::Module(t)) = s.describes {
        let t = t.as_usize();
        if !group.contains(&t) {
            return Err(fail("describes", t, "the described type is outside the rec group"));
        }
        if t >= i {
            return Err(fail("describes", t, "the described type is not defined before its descriptor"));
        }
        match as_struct(t) {
            None => return Err(fail("describes", t, "the described type is not a struct type")),
            Some(described) if described.descriptor != this => {
                return Err(fail("describes", t, "the described type does not name this type as its descriptor"))
            }
            Some(_) if types[t].is_final != types[i].is_final => {
                return Err(fail("describes", t, "the described type and its descriptor differ in finality"))
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// The rules on what a type may reference that depend only on the kinds of
/// the referenced types, for `types`, the first of which has index
/// `first_type_index`. The builder checks them with its module's types,
/// the registry with a new group seen together with the registry, so a
/// type registered directly is held to the same rules as one from a module.
///
/// - A continuation type's target is a function type (stack switching).
/// - A shared type mentions only shared types (shared-everything threads):
///   every value type of its parameters, results, fields or elements is
///   numeric, a shared abstract heap type or a shared concrete type.
///   (Packed storage is always shared. Like wasmparser, this does not ask
///   a shared continuation type's function type to be shared.)
///
/// A reference whose kind `lookup` does not know is left to the index
/// checks, which report it.
pub fn check_referenced_kinds<T: std::borrow::Borrow<SubType>>(
    types: &[T],
    first_type_index: u32,
    lookup: &impl TypeLookup,
) -> Result<(), TypeError> {
    for (i, ty) in types.iter().enumerate() {
        let ty = ty.borrow();
        let type_index = first_type_index.saturating_add(i as u32);
        if let CompositeType::Cont(ContType { func }) = ty.composite {
            if lookup.kind(func).is_some_and(|kind| kind.composite != CompositeKind::Func) {
                return Err(TypeError::InvalidTypeClause {
                    type_index,
                    clause: "cont",
                    referenced: func,
                    problem: "not a function type",
                });
            }
        }
        if ty.shared {
            check_shared_contents(type_index, &ty.composite, lookup)?;
        }
    }
    Ok(())
}

/// Every value type in a shared composite type is shared.
fn check_shared_contents(
    type_index: u32,
    composite: &CompositeType,
    lookup: &impl TypeLookup,
) -> Result<(), TypeError> {
    let check = |site: RefSite, v: &ValType| {
        let ValType::Ref(RefType { heap_type, .. }) = *v else {
            // Numbers and vectors are shared.
            return Ok(());
        };
        let shared = match heap_type {
            HeapType::Abstract(_) => false,
            HeapType::SharedAbstract(_) => true,
            HeapType::Concrete(r) | HeapType::Exact(r) => lookup.kind(r).is_none_or(|kind| kind.shared),
        };
        if shared {
            Ok(())
        } else {
            Err(TypeError::SharednessMismatch { type_index, site, referenced: heap_type, shared: true })
        }
    };
    let storage = |site: RefSite, s: &StorageType| match s {
        StorageType::Val(v) => check(site, v),
        StorageType::I8 | StorageType::I16 => Ok(()),
    };
    match composite {
        CompositeType::Func(f) => {
            f.params.iter().enumerate().try_for_each(|(i, v)| check(RefSite::Param(i as u32), v))?;
            f.results.iter().enumerate().try_for_each(|(i, v)| check(RefSite::Result(i as u32), v))
        }
        CompositeType::Struct(s) => {
            s.fields.iter().enumerate().try_for_each(|(i, field)| storage(RefSite::Field(i as u32), &field.storage))
        }
        CompositeType::Array(a) => storage(RefSite::Element, &a.element.storage),
        CompositeType::Cont(_) => Ok(()),
    }
}

/// The JS-API limits on fields, params and results.
pub fn check_size_limits(type_index: u32, ty: &SubType) -> Result<(), TypeError> {
    let check = |what, limit, actual| {
        if actual > limit {
            Err(TypeError::LimitExceeded { what, type_index, limit, actual })
        } else {
            Ok(())
        }
    };
    match &ty.composite {
        CompositeType::Func(f) => {
            check("params", MAX_PARAMS, f.params.len())?;
            check("results", MAX_RESULTS, f.results.len())
        }
        CompositeType::Struct(s) => check("struct fields", MAX_STRUCT_FIELDS, s.fields.len()),
        CompositeType::Array(_) | CompositeType::Cont(_) => Ok(()),
    }
}

/// The declared supertype must not be final, must be the same kind, and
/// must be shared exactly when the subtype is.
pub fn check_supertype_shape(type_index: u32, ty: &SubType, sup_ref: TypeRef, sup: &SubType) -> Result<(), TypeError> {
    if sup.is_final {
        return Err(TypeError::SupertypeIsFinal { type_index, supertype: sup_ref });
    }
    if sup.shared != ty.shared {
        return Err(TypeError::SharednessMismatch {
            type_index,
            site: RefSite::Supertype,
            referenced: HeapType::Concrete(sup_ref),
            shared: ty.shared,
        });
    }
    if sup.composite.kind() != ty.composite.kind() {
        return Err(TypeError::SupertypeKindMismatch {
            type_index,
            kind: ty.composite.kind(),
            supertype_kind: sup.composite.kind(),
        });
    }
    Ok(())
}

/// A type with `depth` supertypes is allowed.
pub fn check_depth(type_index: u32, depth: usize) -> Result<(), TypeError> {
    if depth > MAX_SUBTYPING_DEPTH {
        return Err(TypeError::SubtypingDepthExceeded { type_index, limit: MAX_SUBTYPING_DEPTH as u32 });
    }
    Ok(())
}
