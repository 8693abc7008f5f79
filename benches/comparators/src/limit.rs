//! The physical limit for `is_subtype`: the same O(1) check on a plain,
//! unshared `Vec` of supertype arrays, with no synchronization at all.

use wasm_type_registry::{SharedTypeIndex, TypeRef, TypeRegistry};

/// Supertype arrays indexed by shared index, outermost first.
pub struct SupertypeTable {
    chains: Vec<Box<[SharedTypeIndex]>>,
}

impl SupertypeTable {
    /// Copies the supertype arrays of `indices` (registered in `registry`)
    /// into a plain table indexed by the same shared indices.
    pub fn copy_from(registry: &TypeRegistry, indices: &[SharedTypeIndex]) -> Self {
        let len = indices.iter().map(|i| i.as_usize() + 1).max().unwrap_or(0);
        let mut chains: Vec<Option<Box<[SharedTypeIndex]>>> = vec![None; len];
        fn chain_of(
            registry: &TypeRegistry,
            chains: &mut Vec<Option<Box<[SharedTypeIndex]>>>,
            index: SharedTypeIndex,
        ) -> Box<[SharedTypeIndex]> {
            if let Some(chain) = &chains[index.as_usize()] {
                return chain.clone();
            }
            let ty = registry.borrow(index).expect("registered");
            let chain: Box<[SharedTypeIndex]> = match ty.supertype {
                Some(TypeRef::Shared(sup)) => {
                    chain_of(registry, chains, sup).iter().copied().chain(std::iter::once(sup)).collect()
                }
                _ => Box::default(),
            };
            chains[index.as_usize()] = Some(chain.clone());
            chain
        }
        for &index in indices {
            chain_of(registry, &mut chains, index);
        }
        SupertypeTable { chains: chains.into_iter().map(Option::unwrap_or_default).collect() }
    }

    /// `sub <: sup`: `sup` is `sub`, or sits in `sub`'s array at `sup`'s depth.
    #[inline]
    pub fn is_subtype(&self, sub: SharedTypeIndex, sup: SharedTypeIndex) -> bool {
        sub == sup
            || match (self.chains.get(sub.as_usize()), self.chains.get(sup.as_usize())) {
                (Some(sub_chain), Some(sup_chain)) => sub_chain.get(sup_chain.len()) == Some(&sup),
                _ => false,
            }
    }
}
