//! The module's types seen by themselves, for the checks that need type
//! equivalence within the module: [`ByIndex`], each type distinct, and
//! [`LocalTypes`], the module's rec groups hash-consed among themselves.

use std::collections::HashMap;

use crate::error::RegistryError;
use crate::subtyping::{self, TypeLookup};
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
    /// Representative → its supertypes, outermost first, as representatives.
    chains: Vec<Vec<TypeRef>>,
    /// Key form of each distinct group → its first module index.
    groups: HashMap<Vec<SubType>, u32>,
}

impl LocalTypes {
    pub(super) fn new(len: usize) -> Self {
        LocalTypes {
            representative: Vec::with_capacity(len),
            kinds: Vec::with_capacity(len),
            chains: Vec::with_capacity(len),
            groups: HashMap::new(),
        }
    }

    /// Adds the group at `range` of `types`, checking its declared
    /// supertypes unless an equivalent group was checked already.
    pub(super) fn add_group(&mut self, types: &[SubType], range: std::ops::Range<usize>) -> Result<(), RegistryError> {
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
                Some(TypeRef::Engine(_)) => continue,
            };
            subtyping::composite_matches(&view, &ty.composite, &sup.composite)
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
/// chains of the group's types, and answers for [`subtyping`].
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
            TypeRef::Engine(_) => None,
        }
    }

    fn is_subtype(&self, sub: TypeRef, sup: TypeRef) -> bool {
        let chain = match sub {
            _ if sub == sup => return true,
            TypeRef::RecGroup(p) => self.chains.get(p as usize),
            TypeRef::Module(r) => self.local.chains.get(r.as_usize()),
            TypeRef::Engine(_) => None,
        };
        chain.is_some_and(|chain| chain.contains(&sup))
    }
}
