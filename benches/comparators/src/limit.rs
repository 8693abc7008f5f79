//! The physical limit for `is_subtype`: the same O(1) check on a plain,
//! unshared `Vec` of supertype arrays, with no synchronization at all.

use wasm_type_registry::{EngineTypeIndex, TypeRef, TypeRegistry};

/// Supertype arrays indexed by engine index, outermost first.
pub struct SupertypeTable {
    chains: Vec<Box<[EngineTypeIndex]>>,
}

impl SupertypeTable {
    /// Copies the supertype arrays of `indices` (registered in `registry`)
    /// into a plain table indexed by the same engine indices.
    pub fn copy_from(registry: &TypeRegistry, indices: &[EngineTypeIndex]) -> Self {
        let len = indices.iter().map(|i| i.as_usize() + 1).max().unwrap_or(0);
        let mut chains: Vec<Option<Box<[EngineTypeIndex]>>> = vec![None; len];
        fn chain_of(
            registry: &TypeRegistry,
            chains: &mut Vec<Option<Box<[EngineTypeIndex]>>>,
            index: EngineTypeIndex,
        ) -> Box<[EngineTypeIndex]> {
            if let Some(chain) = &chains[index.as_usize()] {
                return chain.clone();
            }
            let ty = registry.borrow(index).expect("registered");
            let chain: Box<[EngineTypeIndex]> = match ty.supertype {
                Some(TypeRef::Engine(sup)) => {
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
    pub fn is_subtype(&self, sub: EngineTypeIndex, sup: EngineTypeIndex) -> bool {
        sub == sup
            || match (self.chains.get(sub.as_usize()), self.chains.get(sup.as_usize())) {
                (Some(sub_chain), Some(sup_chain)) => sub_chain.get(sup_chain.len()) == Some(&sup),
                _ => false,
            }
    }
}
