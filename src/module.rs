//! One module's types: its rec groups in order, built programmatically and
//! validated before the registry ever sees them.
//!
//! Validation here is everything that can be decided from the module alone,
//! which is everything registration could refuse but running out of
//! indices: index ranges, no forward references across rec groups,
//! supertypes defined earlier, not final and of the same kind and
//! sharedness, the clauses that must name a particular kind of type
//! (descriptor pairs, continuation targets), shared types mentioning only
//! shared types, subtyping depth, the JS-API size limits, and whether each
//! type's structure matches its declared supertype's. That last check needs type equivalence, which
//! the registry decides by hash consing; the builder decides it the same way
//! within the module (equivalent rec groups are one type, see
//! [`LocalTypes`]), and equivalence never depends on what else a registry
//! holds, so a module that builds always registers.

use std::collections::HashMap;

use crate::error::RegistryError;
use crate::matching::{self, TypeLookup};
use crate::types::{
    CompositeKind, CompositeType, ContType, HeapType, ModuleTypeIndex, RefSite, RefType, StorageType, SubType,
    TypeKind, TypeRef, ValType,
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

/// A module's types: rec groups in module order, each a run of consecutive
/// module type indices.
///
/// Build one with [`ModuleTypes::builder`] (or from a binary with the
/// `wasmparser` feature). A value of this type has passed validation.
///
/// # Examples
/// ```
/// use wasm_type_registry::*;
///
/// let mut builder = ModuleTypes::builder();
/// // (rec (type $list (struct (field i32) (field (ref null $list)))))
/// let list = builder.next_index();
/// builder.rec_group([SubType::struct_(
///     true,
///     None,
///     [
///         FieldType { mutable: false, storage: StorageType::Val(ValType::I32) },
///         FieldType {
///             mutable: false,
///             storage: StorageType::Val(ValType::Ref(RefType::concrete(true, TypeRef::Module(list)))),
///         },
///     ],
/// )]);
/// let module = builder.build()?;
/// assert_eq!(module.len(), 1);
/// assert_eq!(module.rec_group_count(), 1);
/// # Ok::<(), RegistryError>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ModuleTypes {
    types: Vec<SubType>,
    /// The first module index of each rec group, ascending.
    group_starts: Vec<u32>,
}

/// Collects rec groups for a [`ModuleTypes`]; [`build`](Self::build)
/// validates them.
#[derive(Clone, Debug, Default)]
pub struct ModuleTypesBuilder {
    types: Vec<SubType>,
    group_starts: Vec<u32>,
}

impl ModuleTypesBuilder {
    /// The module index the next added type will get, for writing
    /// references to types not added yet (recursion inside a rec group).
    pub fn next_index(&self) -> ModuleTypeIndex {
        ModuleTypeIndex::from_u32(u32::try_from(self.types.len()).unwrap_or(u32::MAX))
    }

    /// Appends a rec group; returns the module index of its first type.
    /// An empty group defines no types (and is kept, as in the binary format).
    pub fn rec_group(&mut self, types: impl IntoIterator<Item = SubType>) -> ModuleTypeIndex {
        let start = self.next_index();
        self.group_starts.push(start.as_u32());
        self.types.extend(types);
        start
    }

    /// How many rec groups have been added, which is the index the next one
    /// gets.
    #[cfg(feature = "wasmparser")]
    pub(crate) fn rec_group_count(&self) -> u32 {
        u32::try_from(self.group_starts.len()).unwrap_or(u32::MAX)
    }

    /// Appends a singleton rec group (a type outside any explicit `rec`).
    pub fn sub_type(&mut self, ty: SubType) -> ModuleTypeIndex {
        self.rec_group([ty])
    }

    /// Validates the collected groups.
    ///
    /// # Errors
    /// The first problem found, in module order; see [`RegistryError`].
    pub fn build(self) -> Result<ModuleTypes, RegistryError> {
        let module = ModuleTypes { types: self.types, group_starts: self.group_starts };
        module.validate()?;
        Ok(module)
    }
}

impl ModuleTypes {
    /// An empty builder.
    pub fn builder() -> ModuleTypesBuilder {
        ModuleTypesBuilder::default()
    }

    /// How many types the module defines.
    pub fn len(&self) -> usize {
        self.types.len()
    }

    /// Whether the module defines no types.
    pub fn is_empty(&self) -> bool {
        self.types.is_empty()
    }

    /// How many rec groups the module has (empty ones included).
    pub fn rec_group_count(&self) -> usize {
        self.group_starts.len()
    }

    /// The type at `index`.
    pub fn get(&self, index: ModuleTypeIndex) -> Option<&SubType> {
        self.types.get(index.as_usize())
    }

    /// All types, in module order.
    pub fn types(&self) -> &[SubType] {
        &self.types
    }

    /// The rec groups in order: each group's first module index and its types.
    pub fn rec_groups(&self) -> impl ExactSizeIterator<Item = (ModuleTypeIndex, &[SubType])> + '_ {
        (0..self.group_starts.len()).map(move |g| {
            let range = self.group_range(g);
            (ModuleTypeIndex::from_u32(range.start as u32), &self.types[range])
        })
    }

    fn group_range(&self, group: usize) -> std::ops::Range<usize> {
        let start = self.group_starts[group] as usize;
        let end = self.group_starts.get(group + 1).map_or(self.types.len(), |&next| next as usize);
        start..end
    }

    fn validate(&self) -> Result<(), RegistryError> {
        if self.types.len() > MAX_TYPES {
            return Err(RegistryError::LimitExceeded {
                what: "types",
                type_index: u32::try_from(self.types.len()).unwrap_or(u32::MAX),
                limit: MAX_TYPES,
                actual: self.types.len(),
            });
        }
        let num_types = self.types.len() as u32;
        // depth[i]: how many supertypes type i has.
        let mut depth = vec![0usize; self.types.len()];
        for group in 0..self.group_starts.len() {
            let range = self.group_range(group);
            let group_end = range.end as u32;
            for i in range {
                let ty = &self.types[i];
                let type_index = i as u32;
                check_size_limits(type_index, ty)?;
                ty.trace_sites(|site, r| check_module_ref(r, (type_index, site), group as u32, group_end, num_types))?;
                check_clauses(&self.types, i, self.group_range(group))?;
                if let Some(TypeRef::Module(sup)) = ty.supertype {
                    let sup = sup.as_usize();
                    if sup >= i {
                        return Err(RegistryError::SupertypeNotEarlier { type_index, supertype: sup as u32 });
                    }
                    check_supertype_shape(
                        type_index,
                        ty,
                        TypeRef::Module(ModuleTypeIndex::from_u32(sup as u32)),
                        &self.types[sup],
                    )?;
                    depth[i] = depth[sup] + 1;
                    check_depth(type_index, depth[i])?;
                }
            }
        }
        check_referenced_kinds(&self.types, 0, &ByIndex(&self.types))?;
        if !self.declared_supertypes_match_by_index() {
            // Some type matches its supertype only if equivalent types count
            // as one, or not at all: decide it as registration would.
            let mut local = LocalTypes::new(self.types.len());
            for group in 0..self.group_starts.len() {
                local.add_group(&self.types, self.group_range(group))?;
            }
        }
        Ok(())
    }

    /// Whether every declared supertype's structure matches, taking two
    /// types as the same only when they have the same index. Cheap (no
    /// allocation unless a check fails), and sufficient: counting
    /// equivalent types as one only adds subtype pairs and equal mutable
    /// fields, so what matches by index matches after hash consing too.
    fn declared_supertypes_match_by_index(&self) -> bool {
        let lookup = ByIndex(&self.types);
        self.types.iter().all(|ty| match ty.supertype {
            Some(TypeRef::Module(sup)) => {
                matching::composite_matches(&lookup, &ty.composite, &self.types[sup.as_usize()].composite).is_ok()
            }
            _ => true,
        })
    }
}

/// A validated module's types, each a distinct type: subtyping is the
/// chain of declared supertypes.
struct ByIndex<'a>(&'a [SubType]);

impl TypeLookup for ByIndex<'_> {
    fn kind(&self, ty: TypeRef) -> Option<TypeKind> {
        match ty {
            TypeRef::Module(index) => self.0.get(index.as_usize()).map(SubType::kind),
            _ => None,
        }
    }

    fn is_subtype(&self, sub: TypeRef, sup: TypeRef) -> bool {
        let mut current = sub;
        // Supertypes are earlier (checked before this runs), so the walk
        // ends; the chain has at most MAX_SUBTYPING_DEPTH links.
        for _ in 0..=MAX_SUBTYPING_DEPTH {
            if current == sup {
                return true;
            }
            match current {
                TypeRef::Module(index) => match self.0.get(index.as_usize()).and_then(|ty| ty.supertype) {
                    Some(next) => current = next,
                    None => return false,
                },
                _ => return false,
            }
        }
        false
    }
}

/// The module's types hash-consed among themselves, to check declared
/// supertypes' structure exactly as registration does: within the module,
/// the first of a run of equivalent rec groups stands for all of them (its
/// types are the *representatives*), the way one registry entry stands for
/// every equal group registered.
///
/// A rec group in key form has references into itself as
/// [`TypeRef::RecGroup`] and references out of it as the
/// [`TypeRef::Module`] index of the representative, so equivalent groups
/// have equal keys. Runs after the index checks, so every reference is in
/// range and points backwards or into its own group.
struct LocalTypes {
    /// Module index → the module index of its representative.
    representative: Vec<u32>,
    /// Module index → its kind.
    kinds: Vec<TypeKind>,
    /// Representative → its supertypes, outermost first, as representatives.
    chains: Vec<Vec<TypeRef>>,
    /// Key form of each distinct group → its first module index.
    groups: HashMap<Vec<SubType>, u32>,
}

impl LocalTypes {
    fn new(len: usize) -> Self {
        LocalTypes {
            representative: Vec::with_capacity(len),
            kinds: Vec::with_capacity(len),
            chains: Vec::with_capacity(len),
            groups: HashMap::new(),
        }
    }

    /// Adds the group at `range` of `types`, checking its declared
    /// supertypes unless an equivalent group was checked already.
    fn add_group(&mut self, types: &[SubType], range: std::ops::Range<usize>) -> Result<(), RegistryError> {
        let start = range.start as u32;
        let end = range.end as u32;
        let in_key_form = |r: TypeRef| match r {
            TypeRef::Module(j) if (start..end).contains(&j.as_u32()) => TypeRef::RecGroup(j.as_u32() - start),
            TypeRef::Module(j) => TypeRef::Module(self.representative_of(j.as_u32())),
            other => other,
        };
        let key: Vec<SubType> = types[range.clone()]
            .iter()
            .map(|ty| ty.map_refs(|r| Ok::<_, RegistryError>(in_key_form(r))))
            .collect::<Result<_, _>>()?;
        if let Some(&first) = self.groups.get(&key) {
            self.representative.extend(first..first + key.len() as u32);
            self.kinds.extend(key.iter().map(SubType::kind));
            self.chains.extend(std::iter::repeat_with(Vec::new).take(key.len()));
            return Ok(());
        }
        let view = GroupChains::new(self, &key);
        for (i, ty) in key.iter().enumerate() {
            let sup = match ty.supertype {
                None => continue,
                Some(TypeRef::RecGroup(p)) => key[p as usize].clone(),
                Some(TypeRef::Module(r)) => self.canonical(types, r.as_u32()),
                Some(TypeRef::Shared(_)) => continue,
            };
            matching::composite_matches(&view, &ty.composite, &sup.composite)
                .map_err(|detail| RegistryError::SupertypeMismatch { type_index: start + i as u32, detail })?;
        }
        let chains = view.chains;
        let as_representative = |r: TypeRef| match r {
            TypeRef::RecGroup(p) => TypeRef::Module(ModuleTypeIndex::from_u32(start + p)),
            other => other,
        };
        self.representative.extend(start..end);
        self.kinds.extend(key.iter().map(SubType::kind));
        self.chains.extend(chains.into_iter().map(|chain| chain.into_iter().map(as_representative).collect()));
        self.groups.insert(key, start);
        Ok(())
    }

    fn representative_of(&self, index: u32) -> ModuleTypeIndex {
        ModuleTypeIndex::from_u32(self.representative.get(index as usize).copied().unwrap_or(index))
    }

    /// A type of an earlier group with its references to representatives.
    fn canonical(&self, types: &[SubType], index: u32) -> SubType {
        let ty = &types[index as usize];
        let mapped: Result<SubType, RegistryError> = ty.map_refs(|r| {
            Ok(match r {
                TypeRef::Module(j) => TypeRef::Module(self.representative_of(j.as_u32())),
                other => other,
            })
        });
        mapped.unwrap_or_else(|_| ty.clone())
    }
}

/// A new group seen together with the module's earlier types: the supertype
/// chains of the group's types, and answers for [`matching`].
struct GroupChains<'a> {
    local: &'a LocalTypes,
    group: &'a [SubType],
    /// Each type's supertypes, outermost first: `RecGroup` inside the
    /// group, representatives outside.
    chains: Vec<Vec<TypeRef>>,
}

impl<'a> GroupChains<'a> {
    fn new(local: &'a LocalTypes, group: &'a [SubType]) -> Self {
        let mut chains: Vec<Vec<TypeRef>> = Vec::with_capacity(group.len());
        for ty in group {
            let mut chain = match ty.supertype {
                Some(TypeRef::RecGroup(p)) => chains.get(p as usize).cloned().unwrap_or_default(),
                Some(TypeRef::Module(r)) => local.chains.get(r.as_usize()).cloned().unwrap_or_default(),
                _ => Vec::new(),
            };
            chain.extend(ty.supertype);
            chains.push(chain);
        }
        GroupChains { local, group, chains }
    }
}

impl TypeLookup for GroupChains<'_> {
    fn kind(&self, ty: TypeRef) -> Option<TypeKind> {
        match ty {
            TypeRef::RecGroup(p) => self.group.get(p as usize).map(SubType::kind),
            TypeRef::Module(r) => self.local.kinds.get(r.as_usize()).copied(),
            TypeRef::Shared(_) => None,
        }
    }

    fn is_subtype(&self, sub: TypeRef, sup: TypeRef) -> bool {
        let chain = match sub {
            _ if sub == sup => return true,
            TypeRef::RecGroup(p) => self.chains.get(p as usize),
            TypeRef::Module(r) => self.local.chains.get(r.as_usize()),
            TypeRef::Shared(_) => None,
        };
        chain.is_some_and(|chain| chain.contains(&sup))
    }
}

/// A module's type may only reference module indices, in range, and not in a
/// later rec group.
fn check_module_ref(
    r: TypeRef,
    (type_index, site): (u32, RefSite),
    rec_group: u32,
    group_end: u32,
    num_types: u32,
) -> Result<(), RegistryError> {
    match r {
        TypeRef::Module(j) if j.as_u32() >= num_types => {
            Err(RegistryError::IndexOutOfRange { type_index, referenced: j.as_u32(), num_types })
        }
        TypeRef::Module(j) if j.as_u32() >= group_end => {
            Err(RegistryError::ForwardReference { type_index, referenced: j.as_u32(), rec_group })
        }
        TypeRef::Module(_) => Ok(()),
        other => Err(RegistryError::WrongIndexSpace {
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
fn check_clauses(types: &[SubType], i: usize, group: std::ops::Range<usize>) -> Result<(), RegistryError> {
    let fail = |clause, referenced: usize, problem| RegistryError::InvalidTypeClause {
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
) -> Result<(), RegistryError> {
    for (i, ty) in types.iter().enumerate() {
        let ty = ty.borrow();
        let type_index = first_type_index.saturating_add(i as u32);
        if let CompositeType::Cont(ContType { func }) = ty.composite {
            if lookup.kind(func).is_some_and(|kind| kind.composite != CompositeKind::Func) {
                return Err(RegistryError::InvalidTypeClause {
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
) -> Result<(), RegistryError> {
    let check = |site: RefSite, v: &ValType| {
        let shared = match *v {
            ValType::Ref(RefType { heap_type, .. }) => match heap_type {
                HeapType::Abstract(_) => false,
                HeapType::SharedAbstract(_) => true,
                HeapType::Concrete(r) | HeapType::Exact(r) => lookup.kind(r).is_none_or(|kind| kind.shared),
            },
            ValType::I32 | ValType::I64 | ValType::F32 | ValType::F64 | ValType::V128 => true,
        };
        if shared {
            Ok(())
        } else {
            Err(RegistryError::SharednessMismatch {
                type_index,
                detail: format!("{site}: {v} is not shared, and a shared type may mention only shared types"),
            })
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
pub fn check_size_limits(type_index: u32, ty: &SubType) -> Result<(), RegistryError> {
    let check = |what, limit, actual| {
        if actual > limit {
            Err(RegistryError::LimitExceeded { what, type_index, limit, actual })
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
pub fn check_supertype_shape(
    type_index: u32,
    ty: &SubType,
    sup_ref: TypeRef,
    sup: &SubType,
) -> Result<(), RegistryError> {
    if sup.is_final {
        return Err(RegistryError::SupertypeIsFinal { type_index, supertype: sup_ref });
    }
    if sup.shared != ty.shared {
        let (this, other) = if ty.shared { ("a shared", "an unshared") } else { ("an unshared", "a shared") };
        return Err(RegistryError::SharednessMismatch {
            type_index,
            detail: format!("{this} type cannot subtype {other} type ({sup_ref})"),
        });
    }
    if sup.composite.kind() != ty.composite.kind() {
        return Err(RegistryError::SupertypeKindMismatch {
            type_index,
            kind: ty.composite.kind(),
            supertype_kind: sup.composite.kind(),
        });
    }
    Ok(())
}

/// A type with `depth` supertypes is allowed.
pub fn check_depth(type_index: u32, depth: usize) -> Result<(), RegistryError> {
    if depth > MAX_SUBTYPING_DEPTH {
        return Err(RegistryError::SubtypingDepthExceeded { type_index, limit: MAX_SUBTYPING_DEPTH as u32 });
    }
    Ok(())
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::types::{FieldType, StorageType, ValType};
    use crate::TypeRegistry;

    fn field(ty: ValType) -> FieldType {
        FieldType { mutable: false, storage: StorageType::Val(ty) }
    }

    /// A new group, then a subtype whose field does not match its
    /// supertype's: registration's own check, reached by skipping the
    /// builder's (which refuses the module with the same error), refuses it
    /// after the first group was registered, and rolls that back.
    #[test]
    fn registration_refuses_what_the_builder_refuses_and_rolls_back() {
        let types = vec![
            SubType::struct_(true, None, [field(ValType::F32)]),
            SubType::struct_(false, None, [field(ValType::I32)]),
            SubType::struct_(true, Some(TypeRef::Module(ModuleTypeIndex::from_u32(1))), [field(ValType::I64)]),
        ];
        let group_starts = vec![0, 1, 2];
        let unchecked = ModuleTypes { types: types.clone(), group_starts: group_starts.clone() };
        let built = ModuleTypesBuilder { types, group_starts }.build().unwrap_err();

        let registry = TypeRegistry::new();
        let mut keep = ModuleTypes::builder();
        keep.sub_type(SubType::func([ValType::I32], []));
        let keep = registry.register_module(&keep.build().unwrap()).unwrap();
        let before = registry.stats();
        let registered = registry.register_module(&unchecked).unwrap_err();
        assert_eq!(registered, built);
        assert!(matches!(registered, RegistryError::SupertypeMismatch { type_index: 2, .. }), "{registered}");
        // The first group was new and registered before type 2 was refused;
        // it is unregistered again. (The index table may keep its index as
        // free capacity.)
        let after = registry.stats();
        assert_eq!((after.registered_types, after.rec_groups), (before.registered_types, before.rec_groups));
        assert_eq!(after.slots_ever_used - after.free_slots, before.slots_ever_used - before.free_slots);
        drop(keep);
        assert!(registry.is_empty());
    }
}
