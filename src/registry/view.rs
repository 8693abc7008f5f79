//! The view of a new rec group used to check it before it gets indices.

use super::RegistryInner;
use crate::error::RegistryError;
use crate::matching::{self, TypeLookup};
use crate::module;
use crate::raw::sync::Arc;
use crate::types::{CompositeKind, SubType, TypeRef};

/// A new group's types, in hash-consing form, seen together with the
/// registry: group-relative references answer from the group, shared ones
/// from the registry. Lets the group be checked before it has indices, so
/// that a refused group changes nothing.
pub(super) struct GroupView<'a> {
    registry: &'a RegistryInner,
    pub(super) types: &'a [Arc<SubType>],
    /// Each type's supertype chain (outermost first): shared indices for
    /// ancestors outside the group, relative ones inside.
    pub(super) chains: Vec<Vec<TypeRef>>,
    first_type_index: u32,
}

impl<'a> GroupView<'a> {
    /// Computes every type's supertype chain, checking that declared
    /// supertypes are earlier, not final, of the same kind, and not too deep.
    pub(super) fn new(
        registry: &'a RegistryInner,
        types: &'a [Arc<SubType>],
        first_type_index: u32,
    ) -> Result<Self, RegistryError> {
        let mut view = GroupView { registry, types, chains: Vec::with_capacity(types.len()), first_type_index };
        for (i, ty) in types.iter().enumerate() {
            let chain = match ty.supertype {
                None => Vec::new(),
                Some(sup) => view.chain_below(i, sup)?,
            };
            view.chains.push(chain);
        }
        Ok(view)
    }

    pub(super) fn type_index(&self, i: usize) -> u32 {
        self.first_type_index.saturating_add(i as u32)
    }

    /// The chain of type `i`, whose declared supertype is `sup`.
    fn chain_below(&self, i: usize, sup: TypeRef) -> Result<Vec<TypeRef>, RegistryError> {
        let type_index = self.type_index(i);
        let mut chain = match sup {
            TypeRef::RecGroup(position) => {
                let position = position as usize;
                if position >= i {
                    return Err(RegistryError::SupertypeNotEarlier {
                        type_index,
                        supertype: self.type_index(position),
                    });
                }
                module::check_supertype_shape(type_index, &self.types[i], sup, &self.types[position])?;
                self.chains[position].clone()
            }
            TypeRef::Shared(index) => {
                let guard = self.registry.reclaimer.pin();
                let payload =
                    self.registry.payload(index, &guard).ok_or(RegistryError::UnregisteredSharedIndex { index })?;
                module::check_supertype_shape(type_index, &self.types[i], sup, &payload.sub_type)?;
                let slot = self.registry.slots.get(index).ok_or(RegistryError::UnregisteredSharedIndex { index })?;
                slot.display().supertype_chain().into_iter().map(TypeRef::Shared).collect()
            }
            TypeRef::Module(_) => {
                return Err(RegistryError::WrongIndexSpace {
                    type_index,
                    reference: sup,
                    expected: "shared or rec-group-relative type indices",
                })
            }
        };
        chain.push(sup);
        module::check_depth(type_index, chain.len())?;
        Ok(chain)
    }

    /// Every declared supertype's structure matches (needs all chains, since
    /// fields may reference later types of the group).
    pub(super) fn check_declared_supertypes(&self) -> Result<(), RegistryError> {
        let guard = self.registry.reclaimer.pin();
        for (i, ty) in self.types.iter().enumerate() {
            let sup_ty: &SubType = match ty.supertype {
                None => continue,
                Some(TypeRef::RecGroup(position)) => &self.types[position as usize],
                Some(TypeRef::Shared(index)) => match self.registry.payload(index, &guard) {
                    Some(payload) => &payload.sub_type,
                    None => return Err(RegistryError::UnregisteredSharedIndex { index }),
                },
                // Refused by `chain_below` already.
                Some(TypeRef::Module(_)) => continue,
            };
            matching::composite_matches(self, &ty.composite, &sup_ty.composite)
                .map_err(|detail| RegistryError::SupertypeMismatch { type_index: self.type_index(i), detail })?;
        }
        Ok(())
    }

    /// The depth of a type (how many supertypes it has).
    fn depth(&self, ty: TypeRef) -> Option<usize> {
        match ty {
            TypeRef::RecGroup(position) => self.chains.get(position as usize).map(Vec::len),
            TypeRef::Shared(index) => self.registry.slots.get(index).map(|slot| slot.display().depth()),
            TypeRef::Module(_) => None,
        }
    }
}

impl TypeLookup for GroupView<'_> {
    fn kind(&self, ty: TypeRef) -> Option<CompositeKind> {
        match ty {
            TypeRef::RecGroup(position) => self.types.get(position as usize).map(|t| t.composite.kind()),
            _ => self.registry.kind(ty),
        }
    }

    fn is_subtype(&self, sub: TypeRef, sup: TypeRef) -> bool {
        match sub {
            _ if sub == sup => true,
            TypeRef::RecGroup(position) => match (self.depth(sup), self.chains.get(position as usize)) {
                (Some(depth), Some(chain)) => chain.get(depth) == Some(&sup),
                _ => false,
            },
            // A type outside the group cannot have a supertype inside it.
            _ => self.registry.is_subtype(sub, sup),
        }
    }
}
