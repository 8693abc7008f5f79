//! The view of a new rec group used to check it before it gets indices.

use super::RegistryInner;
use crate::error::RegistryError;
use crate::raw::sync::Arc;
use crate::subtyping::{self, TypeLookup};
use crate::types::{RefSite, SubType, TypeKind, TypeRef};
use crate::validate;

/// A new group's types, in hash-consing form, seen together with the
/// registry: group-relative references answer from the group, engine ones
/// from the registry. Lets the group be checked before it has indices, so
/// that a refused group changes nothing.
pub(super) struct GroupView<'a> {
    registry: &'a RegistryInner,
    pub(super) types: &'a [Arc<SubType>],
    /// Every type's supertype chain (outermost first), laid out one after
    /// the other: engine indices for ancestors outside the group, relative
    /// ones inside. A subtype whose supertype's chain ends the storage
    /// extends it in place, so a run of subtypes shares one chain.
    pub(super) storage: Vec<TypeRef>,
    /// Each type's chain: a range of `storage`.
    pub(super) chains: Vec<ChainRange>,
    first_type_index: u32,
}

/// A type's supertype chain as a range of [`GroupView::storage`].
#[derive(Clone, Copy, Debug)]
pub(super) struct ChainRange {
    pub(super) start: usize,
    pub(super) len: usize,
}

impl<'a> GroupView<'a> {
    /// Computes every type's supertype chain, checking that declared
    /// supertypes are earlier, not final, of the same kind, and not too deep.
    pub(super) fn new(
        registry: &'a RegistryInner,
        types: &'a [Arc<SubType>],
        first_type_index: u32,
    ) -> Result<Self, RegistryError> {
        let mut view = GroupView {
            registry,
            types,
            storage: Vec::new(),
            chains: Vec::with_capacity(types.len()),
            first_type_index,
        };
        for (i, ty) in types.iter().enumerate() {
            let chain = match ty.supertype {
                None => ChainRange { start: view.storage.len(), len: 0 },
                Some(sup) => view.chain_below(i, sup)?,
            };
            view.chains.push(chain);
        }
        Ok(view)
    }

    /// Type `position`'s chain.
    fn chain(&self, position: usize) -> Option<&[TypeRef]> {
        let range = self.chains.get(position)?;
        self.storage.get(range.start..range.start + range.len)
    }

    pub(super) fn type_index(&self, i: usize) -> u32 {
        self.first_type_index.saturating_add(i as u32)
    }

    /// The chain of type `i`, whose declared supertype is `sup`: the
    /// supertype's chain plus `sup`, in place at the end of the storage when
    /// the supertype's chain ends it.
    fn chain_below(&mut self, i: usize, sup: TypeRef) -> Result<ChainRange, RegistryError> {
        let type_index = self.type_index(i);
        let start = match sup {
            TypeRef::RecGroup(position) => {
                let position = position as usize;
                if position >= i {
                    return Err(RegistryError::SupertypeNotEarlier {
                        type_index,
                        supertype: self.type_index(position),
                    });
                }
                validate::check_supertype_shape(type_index, &self.types[i], sup, &self.types[position])?;
                let above = self.chains[position];
                validate::check_depth(type_index, above.len + 1)?;
                if above.start + above.len == self.storage.len() {
                    above.start
                } else {
                    let start = self.storage.len();
                    self.storage.extend_from_within(above.start..above.start + above.len);
                    start
                }
            }
            TypeRef::Engine(index) => {
                let sup_ty = self.registry.registered_type(index).ok_or(RegistryError::UnregisteredEngineIndex {
                    index,
                    referrer: Some((type_index, RefSite::Supertype)),
                })?;
                validate::check_supertype_shape(type_index, &self.types[i], sup, &sup_ty)?;
                let slot = self.registry.slots.get(index).ok_or(RegistryError::UnregisteredEngineIndex {
                    index,
                    referrer: Some((type_index, RefSite::Supertype)),
                })?;
                let above = slot.display().supertype_chain();
                validate::check_depth(type_index, above.len() + 1)?;
                let start = self.storage.len();
                self.storage.extend(above.into_iter().map(TypeRef::Engine));
                start
            }
            TypeRef::Module(_) => {
                return Err(RegistryError::WrongIndexSpace {
                    type_index,
                    site: Some(RefSite::Supertype),
                    reference: sup,
                    expected: "engine or rec-group-relative type indices",
                })
            }
        };
        self.storage.push(sup);
        Ok(ChainRange { start, len: self.storage.len() - start })
    }

    /// Every declared supertype's structure matches (needs all chains, since
    /// fields may reference later types of the group).
    pub(super) fn check_declared_supertypes(&self) -> Result<(), RegistryError> {
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
                        return Err(RegistryError::UnregisteredEngineIndex {
                            index,
                            referrer: Some((self.type_index(i), RefSite::Supertype)),
                        })
                    }
                },
                // Refused by `chain_below` already.
                Some(TypeRef::Module(_)) => continue,
            };
            subtyping::composite_matches(self, &ty.composite, &sup_ty.composite)
                .map_err(|detail| RegistryError::SupertypeMismatch { type_index: self.type_index(i), detail })?;
        }
        Ok(())
    }

    /// The depth of a type (how many supertypes it has).
    fn depth(&self, ty: TypeRef) -> Option<usize> {
        match ty {
            TypeRef::RecGroup(position) => self.chains.get(position as usize).map(|range| range.len),
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
            TypeRef::RecGroup(position) => match (self.depth(sup), self.chain(position as usize)) {
                (Some(depth), Some(chain)) => chain.get(depth) == Some(&sup),
                _ => false,
            },
            // A type outside the group cannot have a supertype inside it.
            _ => self.registry.is_subtype(sub, sup),
        }
    }
}
