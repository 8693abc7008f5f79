//! The view of a new rec group used to check it before it gets indices.

use super::RegistryInner;
use crate::error::TypeError;
use crate::raw::sync::Arc;
use crate::subtyping::{self, TypeLookup};
use crate::supertype_chains::SupertypeChains;
use crate::types::{RefSite, SubType, TypeKind, TypeRef};
use crate::validate;

/// A new group's types, in hash-consing form, seen together with the
/// registry: group-relative references answer from the group, engine ones
/// from the registry. Lets the group be checked before it has indices, so
/// that a refused group changes nothing.
pub(super) struct GroupView<'a> {
    registry: &'a RegistryInner,
    pub(super) types: &'a [Arc<SubType>],
    /// Every type's supertype chain (outermost first), by position: shared
    /// indices for ancestors outside the group, relative ones inside, laid
    /// out so that subtypes share their supertype's prefix.
    pub(super) chains: SupertypeChains<TypeRef>,
    first_type_index: u32,
}

impl<'a> GroupView<'a> {
    /// Computes every type's supertype chain, checking that declared
    /// supertypes are earlier, not final, of the same kind, and not too deep.
    pub(super) fn new(
        registry: &'a RegistryInner,
        types: &'a [Arc<SubType>],
        first_type_index: u32,
    ) -> Result<Self, TypeError> {
        let mut view =
            GroupView { registry, types, chains: SupertypeChains::with_capacity(types.len()), first_type_index };
        for (i, ty) in types.iter().enumerate() {
            match ty.supertype {
                None => view.chains.push_root(),
                Some(sup) => view.push_below(i, sup)?,
            }
        }
        Ok(view)
    }

    pub(super) fn type_index(&self, i: usize) -> u32 {
        self.first_type_index.saturating_add(i as u32)
    }

    /// Adds the chain of type `i`, whose declared supertype is `sup`, once
    /// `sup` passed the checks.
    fn push_below(&mut self, i: usize, sup: TypeRef) -> Result<(), TypeError> {
        let type_index = self.type_index(i);
        match sup {
            TypeRef::RecGroup(position) => {
                let position = position as usize;
                if position >= i {
                    return Err(TypeError::SupertypeNotEarlier { type_index, supertype: self.type_index(position) });
                }
                validate::check_supertype_shape(type_index, &self.types[i], sup, &self.types[position])?;
                validate::check_depth(type_index, self.chains.depth(position).unwrap_or(0) + 1)?;
                self.chains.push_below(position, sup);
            }
            TypeRef::Engine(index) => {
                let unregistered =
                    || TypeError::UnregisteredEngineIndex { index, referrer: Some((type_index, RefSite::Supertype)) };
                let sup_ty = self.registry.registered_type(index).ok_or_else(unregistered)?;
                validate::check_supertype_shape(type_index, &self.types[i], sup, &sup_ty)?;
                let display = self.registry.slots.get(index).ok_or_else(unregistered)?.display();
                validate::check_depth(type_index, display.depth() + 1)?;
                self.chains.push_below_outside(sup, || display.supertype_chain().into_iter().map(TypeRef::Engine));
            }
            TypeRef::Module(_) => {
                return Err(TypeError::WrongIndexSpace {
                    type_index,
                    site: Some(RefSite::Supertype),
                    reference: sup,
                    expected: "engine or rec-group-relative type indices",
                })
            }
        }
        Ok(())
    }

    /// Every declared supertype's structure matches (needs all chains, since
    /// fields may reference later types of the group).
    pub(super) fn check_declared_supertypes(&self) -> Result<(), TypeError> {
        for (i, ty) in self.types.iter().enumerate() {
            let registered;
            let sup_ty: &SubType = match ty.supertype {
                None => continue,
                Some(TypeRef::RecGroup(position)) => &self.types[position as usize],
                Some(TypeRef::Engine(index)) => match self.registry.registered_type(index) {
                    Some(sup_ty) => {
                        registered = sup_ty;
                        &registered
                    }
                    None => {
                        return Err(TypeError::UnregisteredEngineIndex {
                            index,
                            referrer: Some((self.type_index(i), RefSite::Supertype)),
                        })
                    }
                },
                // Refused by `push_below` already.
                Some(TypeRef::Module(_)) => continue,
            };
            subtyping::composite_matches(self, &ty.composite, &sup_ty.composite)
                .map_err(|detail| TypeError::SupertypeMismatch { type_index: self.type_index(i), detail })?;
        }
        Ok(())
    }

    /// The depth of a type (how many supertypes it has).
    fn depth(&self, ty: TypeRef) -> Option<usize> {
        match ty {
            TypeRef::RecGroup(position) => self.chains.depth(position as usize),
            TypeRef::Engine(index) => self.registry.slots.get(index).map(|slot| slot.display().depth()),
            TypeRef::Module(_) => None,
        }
    }
}

impl TypeLookup for GroupView<'_> {
    fn kind(&self, ty: TypeRef) -> Option<TypeKind> {
        match ty {
            TypeRef::RecGroup(position) => self.types.get(position as usize).map(|t| t.kind()),
            _ => self.registry.kind(ty),
        }
    }

    fn is_subtype(&self, sub: TypeRef, sup: TypeRef) -> bool {
        match sub {
            _ if sub == sup => true,
            TypeRef::RecGroup(position) => match (self.depth(sup), self.chains.chain(position as usize)) {
                (Some(depth), Some(chain)) => chain.get(depth) == Some(&sup),
                _ => false,
            },
            // A type outside the group cannot have a supertype inside it.
            _ => self.registry.is_subtype(sub, sup),
        }
    }
}
