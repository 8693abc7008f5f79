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

mod local_types;

use crate::error::TypeError;
use crate::extern_types::{ExternType, ModuleExternType};
use crate::subtyping;
use crate::types::{ModuleTypeIndex, SubType, TypeRef};
use crate::validate::{
    check_clauses, check_depth, check_module_ref, check_referenced_kinds, check_size_limits, check_supertype_shape,
    MAX_TYPES,
};
use local_types::{ByIndex, LocalTypes};

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
/// # Ok::<(), TypeError>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct ModuleTypes {
    types: Vec<SubType>,
    /// The first module index of each rec group, ascending.
    group_starts: Vec<u32>,
    /// Which module this is: what its module-form [`ExternType`]s carry
    /// ([`ModuleExternType`]), so that only a [`TypeCollection`](crate::TypeCollection)
    /// registered from it (or from a clone) converts them.
    id: ModuleId,
}

/// Equal types in equal rec groups, whichever modules they came from.
impl PartialEq for ModuleTypes {
    fn eq(&self, other: &Self) -> bool {
        (&self.types, &self.group_starts) == (&other.types, &other.group_starts)
    }
}

impl Eq for ModuleTypes {}

/// The identity of one built [`ModuleTypes`] (kept by its clones): every
/// value made by [`Default`] is new.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct ModuleId(u64);

impl Default for ModuleId {
    fn default() -> Self {
        ModuleId(crate::identity::new_identity())
    }
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
    /// The first problem found, in module order; see [`TypeError`].
    pub fn build(self) -> Result<ModuleTypes, TypeError> {
        let module = ModuleTypes { types: self.types, group_starts: self.group_starts, id: ModuleId::default() };
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

    /// `ty`, a type of an import or definition of this module (every
    /// [`TypeRef::Module`] in it an index into these types), tied to this
    /// module: only a [`TypeCollection`](crate::TypeCollection) registered
    /// from this value (or a clone of it) converts it to engine form.
    /// [`ModuleInfo`](crate::ModuleInfo) ties the types it reads from a
    /// binary itself.
    ///
    /// # Examples
    /// ```
    /// use wasm_type_registry::*;
    ///
    /// let registry = TypeRegistry::new();
    /// let mut builder = ModuleTypes::builder();
    /// let f = builder.sub_type(SubType::func([ValType::I32], []));
    /// let module = builder.build()?;
    /// let func = module.extern_type(ExternType::Func(TypeRef::Module(f)));
    ///
    /// let types = registry.register_module(&module)?;
    /// let engine = types.engine_extern_type(&func)?;
    /// assert_eq!(engine, ExternType::Func(TypeRef::Engine(types.engine_type(f).unwrap())));
    ///
    /// // Another module's collection refuses it, though its type 0 exists.
    /// let mut other = ModuleTypes::builder();
    /// other.sub_type(SubType::func([], [ValType::I64]));
    /// let other = registry.register_module(&other.build()?)?;
    /// let err = other.engine_extern_type(&func).unwrap_err();
    /// assert!(matches!(err, LinkError::OtherModule { .. }), "{err}");
    /// # Ok::<(), RegistryError>(())
    /// ```
    pub fn extern_type(&self, ty: ExternType) -> ModuleExternType {
        ModuleExternType { module: self.id, ty }
    }

    /// Which module this is (see [`extern_type`](Self::extern_type)).
    pub(crate) fn id(&self) -> ModuleId {
        self.id
    }

    /// These types under the identity `id`, for a reader that tied types
    /// to `id` before the module's types were complete.
    #[cfg(feature = "wasmparser")]
    pub(crate) fn with_id(self, id: ModuleId) -> ModuleTypes {
        ModuleTypes { id, ..self }
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

    fn validate(&self) -> Result<(), TypeError> {
        if self.types.len() > MAX_TYPES {
            return Err(TypeError::LimitExceeded {
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
                        return Err(TypeError::SupertypeNotEarlier { type_index, supertype: sup as u32 });
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
                subtyping::composite_matches(&lookup, &ty.composite, &self.types[sup.as_usize()].composite).is_ok()
            }
            _ => true,
        })
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::types::{FieldType, StorageType, ValType};
    use crate::{RegistryError, TypeRegistry};

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
        let unchecked =
            ModuleTypes { types: types.clone(), group_starts: group_starts.clone(), id: ModuleId::default() };
        let built = ModuleTypesBuilder { types, group_starts }.build().unwrap_err();

        let registry = TypeRegistry::new();
        let mut keep = ModuleTypes::builder();
        keep.sub_type(SubType::func([ValType::I32], []));
        let keep = registry.register_module(&keep.build().unwrap()).unwrap();
        let before = registry.stats();
        let registered = registry.register_module(&unchecked).unwrap_err();
        assert_eq!(registered, RegistryError::Type(built));
        assert!(
            matches!(registered, RegistryError::Type(TypeError::SupertypeMismatch { type_index: 2, .. })),
            "{registered}"
        );
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
