//! The module's types seen by themselves, for the checks that need type
//! equivalence within the module: [`ByIndex`], each type distinct, and
//! [`LocalTypes`], the module's rec groups hash-consed among themselves.

use std::collections::HashMap;

use crate::error::TypeError;
use crate::subtyping::{self, TypeLookup};
use crate::supertype_chains::SupertypeChains;
use crate::types::{ModuleTypeIndex, SubType, TypeKind, TypeRef};
use crate::validate::MAX_SUBTYPING_DEPTH;

/// A validated module's types, each a distinct type: subtyping is the
/// chain of declared supertypes.
pub(super) struct ByIndex<'a>(pub(super) &'a [SubType]);

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
pub(super) struct LocalTypes {
    /// Module index → the module index of its representative.
    representative: Vec<u32>,
    /// Module index → its kind.
    kinds: Vec<TypeKind>,
    /// Module index → its supertypes, outermost first, named by the
    /// [`TypeRef::Module`] index of their representatives (the chains of
    /// types that are not representatives are empty: nothing asks for them).
    chains: SupertypeChains<TypeRef>,
    /// Key form of each distinct group → its first module index.
    groups: HashMap<Vec<SubType>, u32>,
}

impl LocalTypes {
    pub(super) fn new(len: usize) -> Self {
        LocalTypes {
            representative: Vec::with_capacity(len),
            kinds: Vec::with_capacity(len),
            chains: SupertypeChains::with_capacity(len),
            groups: HashMap::new(),
        }
    }

    /// Adds the group at `range` of `types`, checking its declared
    /// supertypes unless an equivalent group was checked already.
    pub(super) fn add_group(&mut self, types: &[SubType], range: std::ops::Range<usize>) -> Result<(), TypeError> {
        let start = range.start as u32;
        let end = range.end as u32;
        let in_key_form = |r: TypeRef| match r {
            TypeRef::Module(j) if (start..end).contains(&j.as_u32()) => TypeRef::RecGroup(j.as_u32() - start),
            TypeRef::Module(j) => TypeRef::Module(self.representative_of(j.as_u32())),
            other => other,
        };
        let key: Vec<SubType> = types[range.clone()]
            .iter()
            .map(|ty| ty.map_refs(|r| Ok::<_, TypeError>(in_key_form(r))))
            .collect::<Result<_, _>>()?;
        debug_assert_eq!(self.chains.len(), range.start, "groups are added in module order");
        if let Some(&first) = self.groups.get(&key) {
            self.representative.extend(first..first + key.len() as u32);
            self.kinds.extend(key.iter().map(SubType::kind));
            key.iter().for_each(|_| self.chains.push_root());
            return Ok(());
        }
        // The group's types are their own representatives: their chains
        // name them by module index, like every earlier representative's.
        for ty in &key {
            match ty.supertype {
                Some(TypeRef::RecGroup(p)) => self.chains.push_below((start + p) as usize, Self::name(start + p)),
                Some(TypeRef::Module(r)) => self.chains.push_below(r.as_usize(), TypeRef::Module(r)),
                None | Some(TypeRef::Engine(_)) => self.chains.push_root(),
            }
        }
        self.representative.extend(start..end);
        self.kinds.extend(key.iter().map(SubType::kind));
        let view = GroupChains { local: self, group: &key, start };
        for (i, ty) in key.iter().enumerate() {
            let sup = match ty.supertype {
                None => continue,
                Some(TypeRef::RecGroup(p)) => key[p as usize].clone(),
                Some(TypeRef::Module(r)) => self.canonical(types, r.as_u32()),
                Some(TypeRef::Engine(_)) => continue,
            };
            subtyping::composite_matches(&view, &ty.composite, &sup.composite)
                .map_err(|detail| TypeError::SupertypeMismatch { type_index: start + i as u32, detail })?;
        }
        self.groups.insert(key, start);
        Ok(())
    }

    /// How chains name the representative `index`.
    fn name(index: u32) -> TypeRef {
        TypeRef::Module(ModuleTypeIndex::from_u32(index))
    }

    fn representative_of(&self, index: u32) -> ModuleTypeIndex {
        ModuleTypeIndex::from_u32(self.representative.get(index as usize).copied().unwrap_or(index))
    }

    /// A type of an earlier group with its references to representatives.
    fn canonical(&self, types: &[SubType], index: u32) -> SubType {
        let ty = &types[index as usize];
        let mapped: Result<SubType, TypeError> = ty.map_refs(|r| {
            Ok(match r {
                TypeRef::Module(j) => TypeRef::Module(self.representative_of(j.as_u32())),
                other => other,
            })
        });
        mapped.unwrap_or_else(|_| ty.clone())
    }
}

/// A new group, in key form, seen together with the module's earlier types
/// (its own chains already added to [`LocalTypes`]): answers for
/// [`subtyping`].
struct GroupChains<'a> {
    local: &'a LocalTypes,
    group: &'a [SubType],
    /// The module index of the group's first type.
    start: u32,
}

impl GroupChains<'_> {
    /// The module index of a type of the group or a representative.
    fn index(&self, ty: TypeRef) -> Option<u32> {
        match ty {
            TypeRef::RecGroup(p) => Some(self.start + p),
            TypeRef::Module(r) => Some(r.as_u32()),
            TypeRef::Engine(_) => None,
        }
    }
}

impl TypeLookup for GroupChains<'_> {
    fn kind(&self, ty: TypeRef) -> Option<TypeKind> {
        match ty {
            TypeRef::RecGroup(p) => self.group.get(p as usize).map(SubType::kind),
            TypeRef::Module(r) => self.local.kinds.get(r.as_usize()).copied(),
            TypeRef::Engine(_) => None,
        }
    }

    /// One entry of `sub`'s chain: the one at `sup`'s depth.
    fn is_subtype(&self, sub: TypeRef, sup: TypeRef) -> bool {
        if sub == sup {
            return true;
        }
        let (Some(sub), Some(sup)) = (self.index(sub), self.index(sup)) else { return false };
        let chains = &self.local.chains;
        match (chains.chain(sub as usize), chains.depth(sup as usize)) {
            (Some(chain), Some(depth)) => chain.get(depth) == Some(&LocalTypes::name(sup)),
            _ => false,
        }
    }
}
