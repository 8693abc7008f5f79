//! One module's types: its rec groups in order, built programmatically and
//! validated before the registry ever sees them.
//!
//! Validation here is everything that can be decided from the module alone:
//! index ranges, no forward references across rec groups, supertypes defined
//! earlier, not final and of the same kind, subtyping depth, and the JS-API
//! size limits. Whether a type's *structure* matches its declared supertype
//! needs type equivalence across modules, so the registry checks it when it
//! registers a new rec group (see [`TypeRegistry::register_module`](crate::TypeRegistry::register_module)).

use crate::error::RegistryError;
use crate::types::{CompositeType, ModuleTypeIndex, SubType, TypeRef};

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
                ty.trace(|r| check_module_ref(r, type_index, group as u32, group_end, num_types))?;
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
        Ok(())
    }
}

/// A module's type may only reference module indices, in range, and not in a
/// later rec group.
fn check_module_ref(
    r: TypeRef,
    type_index: u32,
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
        other => Err(RegistryError::WrongIndexSpace { type_index, reference: other, expected: "module type indices" }),
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
        CompositeType::Array(_) => Ok(()),
    }
}

/// The declared supertype must not be final and must be the same kind.
pub fn check_supertype_shape(
    type_index: u32,
    ty: &SubType,
    sup_ref: TypeRef,
    sup: &SubType,
) -> Result<(), RegistryError> {
    if sup.is_final {
        return Err(RegistryError::SupertypeIsFinal { type_index, supertype: sup_ref });
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
