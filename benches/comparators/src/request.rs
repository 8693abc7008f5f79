//! Workload 8 (`8_request`): load shaped like one request of the Kotlin
//! component of Wasmtime #13822, where a runtime serving concurrent
//! requests spent its time in the type registry.
//!
//! One request (one element):
//! 1. roots [`ROOTS`] types of the hierarchy (`TypeRegistry::root`), as
//!    instantiating a module's type handles does;
//! 2. registers [`HOST_FUNC_TYPES`] host function types
//!    (`TypeRegistry::register_type`), each kept registered elsewhere, so every one
//!    is a hash-consing hit, as creating a store's host functions does;
//! 3. performs [`CHECKS`] `is_subtype` checks over the hierarchy's pairs,
//!    as the guest's casts do (each request walks the next 1,000 of the
//!    thread's pairs, so the pair set stays the 16,384 of workload 1);
//! 4. drops everything.

use std::hint::black_box;

use wasm_type_shapes as shapes;

use crate::harness::Prepared;
use crate::hierarchy::{registered_samples, sample, PairSet};
use crate::registries::Registry;
use crate::workloads::timed_loop;

/// Types rooted per request.
pub const ROOTS: usize = 5;
/// Host function types registered per request.
pub const HOST_FUNC_TYPES: usize = 5;
/// `is_subtype` checks per request.
pub const CHECKS: usize = 1_000;

/// The host function types, distinct from every other workload's.
fn host_func_types() -> Vec<wasm_type_registry::SubType> {
    (0..HOST_FUNC_TYPES as u64).map(|k| shapes::numbered_func_type(0xF00D_0000 + k)).collect()
}

/// Workload 8 on `R`: one element is one whole request.
pub(crate) fn request<R: Registry>() -> Prepared {
    let registry = R::create();
    let (collection, pairs, indices) = registered_samples(&registry, PairSet::Mixed);
    let host_types = host_func_types();
    let keepers: Vec<R::Handle> = host_types.iter().map(|ty| registry.register_type(ty.clone())).collect();
    timed_loop(move |thread, i| {
        let _keep = (&collection, &keepers);
        let roots: [Option<R::Handle>; ROOTS] =
            std::array::from_fn(|k| registry.root(sample(&indices, thread, i * ROOTS + k)));
        let host: Vec<R::Handle> = host_types.iter().map(|ty| registry.register_type(ty.clone())).collect();
        let mut related = 0usize;
        for k in 0..CHECKS {
            let (sub, sup) = sample(&pairs, thread, i * CHECKS + k);
            related += usize::from(registry.is_subtype(sub, sup));
        }
        black_box(related);
        drop(host);
        drop(roots);
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{GlobalLockCachedRegistry, GlobalLockRegistry};
    use wasm_type_registry::TypeRegistry;

    /// A request leaves the registries as it found them: the host types
    /// stay registered once (their keepers), nothing else leaks.
    fn leaves_the_registry_as_it_was<R: Registry>() {
        let prepared = request::<R>();
        assert_eq!(prepared.elements_per_iter, 1);
        prepared.measure(2, 5);
        // The prepared closure owns the registry; build a second one the
        // same way to look inside.
        let registry = R::create();
        let (collection, _, indices) = registered_samples(&registry, PairSet::Mixed);
        let before = registry.len();
        let keepers: Vec<R::Handle> = host_func_types().into_iter().map(|ty| registry.register_type(ty)).collect();
        let with_keepers = registry.len();
        assert_eq!(with_keepers, before + HOST_FUNC_TYPES);
        let host: Vec<R::Handle> = host_func_types().into_iter().map(|ty| registry.register_type(ty)).collect();
        assert_eq!(registry.len(), with_keepers, "host types are hash-consing hits");
        let roots: Vec<_> = indices[..ROOTS].iter().map(|&i| registry.root(i).expect("registered")).collect();
        drop((host, roots));
        assert_eq!(registry.len(), with_keepers);
        drop((keepers, collection));
        assert_eq!(registry.len(), 0);
    }

    #[test]
    fn a_request_is_hits_and_leaves_nothing_behind() {
        leaves_the_registry_as_it_was::<TypeRegistry>();
        leaves_the_registry_as_it_was::<GlobalLockRegistry>();
        leaves_the_registry_as_it_was::<GlobalLockCachedRegistry<crate::IdentityHash>>();
        leaves_the_registry_as_it_was::<GlobalLockCachedRegistry<crate::MixedHash>>();
    }
}
