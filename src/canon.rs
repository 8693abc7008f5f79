//! Canonicalization: turning a rec group into the form the hash-consing map
//! compares ([`CanonGroup`], hashed once), and a registered group into the
//! form the runtime uses; and the trampoline form of function types.
//!
//! Two rec groups are the same group exactly when their *hash-consing forms*
//! are equal: references into the group become [`TypeRef::RecGroup`]
//! (relative to the group's start), references out of it become
//! [`TypeRef::Engine`]. Relative indices make the form independent of where
//! the group sits in its module; engine indices make it independent of which
//! module the referenced groups came from.
//!
//! The *runtime form* replaces each `RecGroup(i)` with the engine index
//! actually reserved for the group's `i`-th type. Those indices come off a
//! free list and need not be contiguous, so the mapping goes through the
//! reserved indices, never `first + i` (Wasmtime PR #10435).

use std::hash::{Hash, Hasher};

use crate::error::TypeError;
use crate::raw::sync::{Arc, ARC_HEADER_BYTES};
use crate::subtyping::TypeLookup;
use crate::types::{
    CompositeType, ContType, EngineTypeIndex, FuncType, HeapType, ModuleTypeIndex, RefType, StructType, SubType,
    TypeRef, ValType,
};

/// A rec group in hash-consing form, with its hash computed once.
///
/// References inside the group are [`TypeRef::RecGroup`],
/// references outside are [`TypeRef::Engine`]: two
/// groups are the same group exactly when these forms are equal. The hash is
/// stored because the map rehashes keys when it grows, and a key can be a
/// group of thousands of types.
///
/// Each type is behind an `Arc` so that a type whose runtime form is the
/// same (one without references into its own group: every singleton that
/// does not refer to itself, every trampoline type) is shared between the
/// key and the registered type instead of copied (see `canon::for_runtime`).
#[derive(Clone, Debug)]
pub struct CanonGroup {
    hash: u64,
    types: Box<[Arc<SubType>]>,
    /// Whether a type refers to a registered type (`TypeRef::Engine`).
    refers_to_registered: bool,
    /// Whether a type refers into the group (`TypeRef::RecGroup`).
    refers_into_group: bool,
}

/// The hasher of a registry's rec groups: `ahash` keyed with random seeds
/// drawn once, when the registry is created (as Wasmtime keys its registry
/// with a `RandomState`). Whoever can submit modules cannot precompute rec
/// groups whose hashes collide, so lookups under a shard lock stay short
/// (hash flooding). Each registry has its own, so the same group hashes
/// differently in two registries.
///
/// A [`CanonGroup`] is hashed with it once; the hash-consing map then uses
/// that stored hash as is, without hashing it again.
#[derive(Clone, Debug)]
pub struct GroupHasher(ahash::RandomState);

impl GroupHasher {
    /// A hasher with fresh random seeds.
    #[cfg(not(loom))]
    pub fn new() -> Self {
        GroupHasher(ahash::RandomState::new())
    }

    /// Under loom, fixed seeds: loom replays every execution from the start
    /// and needs each to take the same steps, and the shard a group goes to
    /// (and so which lock it takes) follows from its hash.
    #[cfg(loom)]
    pub fn new() -> Self {
        GroupHasher(ahash::RandomState::with_seeds(0x5157, 0x7a55, 0xe7e1, 0x6a3d))
    }
}

impl Default for GroupHasher {
    fn default() -> Self {
        Self::new()
    }
}

/// `ahash` with fixed seeds: a pure function of the hashed value, and free to
/// create. Only for the registry's short-lived internal maps keyed by
/// indices and pointers it hands out itself, never by anything an embedder
/// chooses (`ahash::RandomState::new()` would bump a process-wide atomic
/// counter on every registration, a cache line all threads contend for).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct FixedState;

impl std::hash::BuildHasher for FixedState {
    type Hasher = ahash::AHasher;

    #[inline]
    fn build_hasher(&self) -> ahash::AHasher {
        const SEEDS: ahash::RandomState = ahash::RandomState::with_seeds(0x5157, 0x7a55, 0xe7e1, 0x6a3d);
        SEEDS.build_hasher()
    }
}

impl CanonGroup {
    /// Hashes `types` once with the registry's `hasher`; they must be in
    /// hash-consing form. Keys of one registry must all come from its one
    /// hasher.
    pub fn new(types: Box<[Arc<SubType>]>, hasher: &GroupHasher) -> Self {
        // The types themselves, not their `Arc`s: loom's `Arc` (under
        // `--cfg loom`) implements neither `Hash` nor `Eq`.
        let mut hasher = std::hash::BuildHasher::build_hasher(&hasher.0);
        hasher.write_usize(types.len());
        let (mut refers_to_registered, mut refers_into_group) = (false, false);
        for ty in types.iter() {
            SubType::hash(ty, &mut hasher);
            let Ok(()) = ty.trace(|r| {
                match r {
                    TypeRef::Engine(_) => refers_to_registered = true,
                    TypeRef::RecGroup(_) => refers_into_group = true,
                    TypeRef::Module(_) => {}
                }
                Ok::<(), std::convert::Infallible>(())
            });
        }
        CanonGroup { hash: hasher.finish(), types, refers_to_registered, refers_into_group }
    }

    /// Whether a type of the group refers to a registered type (then the
    /// group holds a registration on that type's group).
    pub(crate) fn refers_to_registered(&self) -> bool {
        self.refers_to_registered
    }

    /// Whether a type of the group refers into the group (then the group's
    /// runtime forms differ from its hash-consing forms).
    pub(crate) fn refers_into_group(&self) -> bool {
        self.refers_into_group
    }

    /// The group's types, in hash-consing form.
    pub fn types(&self) -> &[Arc<SubType>] {
        &self.types
    }

    /// The heap bytes the key asks the allocator for: its slice of [`Arc`]s
    /// and each type's allocation ([`shared_type_bytes`]). The key's inline
    /// part is its holder's.
    pub(crate) fn heap_bytes(&self) -> usize {
        size_of_val(&*self.types) + self.types.iter().map(|ty| shared_type_bytes(ty)).sum::<usize>()
    }
}

/// The heap bytes of one type behind an [`Arc`]: the allocation (the
/// `Arc`'s counts and the type) and the type's boxed slices
/// ([`SubType::heap_bytes`]).
pub(crate) fn shared_type_bytes(ty: &SubType) -> usize {
    ARC_HEADER_BYTES + size_of::<SubType>() + ty.heap_bytes()
}

/// Structural equality, with shortcuts for shared memory: an unregistration
/// removes its entry from the map by the entry's own key, which the map then
/// compares with itself (under the shard's write lock, where a deep
/// comparison of a 9,000-type group would hold up every lookup in the
/// shard).
impl PartialEq for CanonGroup {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self, other)
            || (self.hash == other.hash
                && self.types.len() == other.types.len()
                && self.types.iter().zip(other.types.iter()).all(|(a, b)| Arc::ptr_eq(a, b) || **a == **b))
    }
}

impl Eq for CanonGroup {}

impl Hash for CanonGroup {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.hash);
    }
}

/// The hash-consing form of a module's rec group that starts at module index
/// `start`; `earlier[j]` is the engine index of the module's type `j` for
/// every `j < start`. Hashed with the registry's `hasher`.
pub fn module_group_key(
    group: &[SubType],
    start: ModuleTypeIndex,
    earlier: &[EngineTypeIndex],
    hasher: &GroupHasher,
) -> Result<CanonGroup, TypeError> {
    let start = start.as_u32();
    let end = start as usize + group.len();
    let mut types = Vec::with_capacity(group.len());
    for (i, ty) in group.iter().enumerate() {
        let key = ty.map_refs(|r| match r {
            TypeRef::Module(j) if j.as_usize() >= start as usize && j.as_usize() < end => {
                Ok(TypeRef::RecGroup(j.as_u32() - start))
            }
            TypeRef::Module(j) => {
                earlier.get(j.as_usize()).map(|&s| TypeRef::Engine(s)).ok_or(TypeError::ForwardReference {
                    type_index: start + i as u32,
                    referenced: j.as_u32(),
                    rec_group: u32::MAX,
                })
            }
            other => Err(TypeError::WrongIndexSpace {
                type_index: start + i as u32,
                site: None,
                reference: other,
                expected: "module type indices",
            }),
        })?;
        types.push(Arc::new(key));
    }
    Ok(CanonGroup::new(types.into_boxed_slice(), hasher))
}

/// The hash-consing form of a singleton group given directly by the
/// embedder: engine indices, or `RecGroup(0)` for self-reference. That is
/// the form the type is already in, so it is only checked, not copied.
///
/// A singleton cannot hold a descriptor pair (the two types share a group,
/// and the described one comes first), and cannot be a continuation of
/// itself, so those clauses are refused here.
pub fn singleton_key(ty: SubType, hasher: &GroupHasher) -> Result<CanonGroup, TypeError> {
    ty.trace_sites(|site, r| match r {
        TypeRef::Engine(_) | TypeRef::RecGroup(0) => Ok(()),
        other => Err(TypeError::WrongIndexSpace {
            type_index: 0,
            site: Some(site),
            reference: other,
            expected: "engine type indices (or RecGroup(0) for self-reference)",
        }),
    })?;
    let clause =
        |clause, referenced, problem| TypeError::InvalidTypeClause { type_index: 0, clause, referenced, problem };
    match &ty.composite {
        CompositeType::Struct(StructType { descriptor: Some(d), .. }) => {
            return Err(clause("descriptor", *d, "a descriptor type must be in the rec group of the type it describes"))
        }
        CompositeType::Struct(StructType { describes: Some(t), .. }) => {
            return Err(clause("describes", *t, "a described type must be earlier in the descriptor's rec group"))
        }
        CompositeType::Cont(ContType { func: func @ TypeRef::RecGroup(0) }) => {
            return Err(clause("cont", *func, "not a function type"))
        }
        _ => {}
    }
    Ok(CanonGroup::new(Box::new([Arc::new(ty)]), hasher))
}

/// The runtime form of one type of a group whose types got `indices`.
/// Keys only hold `RecGroup(i)` with `i < indices.len()` (checked when the
/// key was built), so every reference resolves. A type without references
/// into its own group is already in runtime form: the key's `Arc` is shared,
/// not copied.
pub fn for_runtime(ty: &Arc<SubType>, indices: &[EngineTypeIndex]) -> Arc<SubType> {
    if !refers_into_group(ty) {
        return ty.clone();
    }
    let result: Result<SubType, std::convert::Infallible> = ty.map_refs(|r| Ok(for_runtime_ref(r, indices)));
    match result {
        Ok(ty) => Arc::new(ty),
        Err(never) => match never {},
    }
}

/// Whether a hash-consing-form type refers to a type of its own group
/// (`TypeRef::RecGroup`), i.e. whether its runtime form differs from it.
pub(crate) fn refers_into_group(ty: &SubType) -> bool {
    ty.trace(|r| if matches!(r, TypeRef::RecGroup(_)) { Err(()) } else { Ok(()) }).is_err()
}

/// The engine index of a reference in hash-consing form, for a group whose
/// types got `indices`.
pub(crate) fn engine_index(r: TypeRef, indices: &[EngineTypeIndex]) -> EngineTypeIndex {
    match for_runtime_ref(r, indices) {
        TypeRef::Engine(index) => index,
        other => {
            debug_assert!(false, "{other:?} has no engine index");
            EngineTypeIndex::from_u32(u32::MAX)
        }
    }
}

fn for_runtime_ref(r: TypeRef, indices: &[EngineTypeIndex]) -> TypeRef {
    match r {
        TypeRef::RecGroup(i) => match indices.get(i as usize) {
            Some(&index) => TypeRef::Engine(index),
            None => {
                debug_assert!(false, "RecGroup({i}) outside a group of {}", indices.len());
                r
            }
        },
        other => other,
    }
}

/// Whether a function type is in trampoline form: every reference type in
/// it is a nullable reference to the top of its hierarchy, so that any two
/// function types with the same trampoline form can share native call
/// trampolines.
pub(crate) fn is_trampoline_form(func: &FuncType) -> bool {
    func.params.iter().chain(func.results.iter()).all(|v| match v {
        ValType::Ref(RefType { nullable, heap_type: HeapType::Abstract(h) | HeapType::SharedAbstract(h) }) => {
            *nullable && h.top() == *h
        }
        ValType::Ref(_) => false,
        _ => true,
    })
}

/// Whether a type is its own trampoline type: an unshared function type
/// in trampoline form that is also final and has no supertype (Wasmtime PR
/// #9446: a trampoline type must be usable as the canonical, unsubtypable
/// signature).
pub fn is_own_trampoline(ty: &SubType) -> bool {
    !ty.shared && ty.is_final && ty.supertype.is_none() && ty.as_func().is_some_and(is_trampoline_form)
}

/// The trampoline type of a function type: final, no supertype, unshared,
/// every reference type replaced by `(ref null top)`, or by `(ref null
/// (shared top))` for a shared abstract or shared concrete type. A shared
/// function type's trampoline type is unshared: sharedness says which
/// threads may hold a reference, not how a call passes its arguments, so a
/// shared and an unshared signature that differ in nothing else share
/// native call trampolines. `None` if a concrete reference's kind is
/// unknown to `lookup`.
pub fn trampoline_type(func: &FuncType, lookup: &impl TypeLookup) -> Option<SubType> {
    let convert = |v: &ValType| -> Option<ValType> {
        Some(match *v {
            ValType::Ref(RefType { heap_type, .. }) => {
                let abstract_ = match heap_type {
                    // Exactness is erased with the type: the trampoline of
                    // `(ref (exact $t))` is the one of `(ref $t)`.
                    HeapType::Concrete(r) | HeapType::Exact(r) => lookup.kind(r)?.abstract_heap_type(),
                    other => other,
                };
                let top = match abstract_ {
                    HeapType::SharedAbstract(h) => HeapType::SharedAbstract(h.top()),
                    HeapType::Abstract(h) => HeapType::Abstract(h.top()),
                    HeapType::Concrete(_) | HeapType::Exact(_) => return None,
                };
                ValType::Ref(RefType { nullable: true, heap_type: top })
            }
            other => other,
        })
    };
    let params = func.params.iter().map(convert).collect::<Option<Box<[_]>>>()?;
    let results = func.results.iter().map(convert).collect::<Option<Box<[_]>>>()?;
    Some(SubType::func(params, results))
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    fn group() -> Box<[Arc<SubType>]> {
        Box::new([Arc::new(SubType::func([ValType::I32], [])), Arc::new(SubType::struct_(true, None, []))])
    }

    /// Two registries draw different seeds, so a group built to collide in
    /// one does not collide in the other; one registry hashes consistently.
    #[test]
    fn each_hasher_has_its_own_seeds() {
        let (a, b) = (GroupHasher::new(), GroupHasher::new());
        let (in_a, again_in_a, in_b) =
            (CanonGroup::new(group(), &a), CanonGroup::new(group(), &a), CanonGroup::new(group(), &b));
        assert_eq!(in_a.hash, again_in_a.hash);
        assert_eq!(in_a, again_in_a);
        assert_ne!(in_a.hash, in_b.hash, "two registries hashed a group alike: fixed seeds?");
    }
}
