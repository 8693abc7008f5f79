//! An engine-wide, lock-free WebAssembly type registry.
//!
//! A WebAssembly engine interns every type it loads in one registry: equal
//! recursion groups get the same [`EngineTypeIndex`]es, so `call_indirect`
//! and cast checks compare indices, and [`TypeRegistry::is_subtype`] is an
//! O(1) lookup in a per-type supertype array. This crate keeps the semantics
//! of Wasmtime's `TypeRegistry` (with the fixes Wasmtime made after 22.0.0)
//! and removes its global lock:
//!
//! - rec groups are hash-consed in a sharded concurrent map (`dashmap`);
//!   registering a group that is already live takes only its shard's read
//!   lock;
//! - unregistration needs no global lock: the last holder removes the group
//!   from its shard, empties its slots and retires the group as one object
//!   through epoch-based reclamation (`crossbeam-epoch` times the grace
//!   periods); the thread that unregistered it frees it in a later writing
//!   call, or `flush`/`reclaim` do: never a reader, never another thread's
//!   ordinary call (see [`TypeRegistry::flush`]);
//! - each type's depth and first ten supertypes are plain atomics in
//!   never-freed memory (only deeper chains are published through
//!   `arc-swap`), so [`TypeRegistry::is_subtype`],
//!   [`TypeRegistry::borrow`], [`TypeRegistry::trampoline_type`] and
//!   [`TypeRegistry::root`] take no lock at all.
//!
//! # Example
//! ```
//! use wasm_type_registry::*;
//!
//! let registry = TypeRegistry::new();
//!
//! // (rec (type $node (sub (struct (field (ref null $node))))))
//! // (type $leaf (sub final $node (struct (field (ref null $node)) (field i32))))
//! let mut builder = ModuleTypes::builder();
//! let node = builder.next_index();
//! let next = FieldType {
//!     mutable: false,
//!     storage: StorageType::Val(ValType::Ref(RefType::concrete(true, TypeRef::Module(node)))),
//! };
//! builder.rec_group([SubType::struct_(false, None, [next])]);
//! let i32_field = FieldType { mutable: false, storage: StorageType::Val(ValType::I32) };
//! let leaf = builder.sub_type(SubType::struct_(true, Some(TypeRef::Module(node)), [next, i32_field]));
//! let module = builder.build()?;
//!
//! // Two instances of the module on two threads share the indices.
//! let (a, b) = std::thread::scope(|s| {
//!     let a = s.spawn(|| registry.register_module(&module));
//!     let b = s.spawn(|| registry.register_module(&module));
//!     (a.join().unwrap(), b.join().unwrap())
//! });
//! let (a, b) = (a?, b?);
//! assert_eq!(a.engine_types(), b.engine_types());
//!
//! let node = a.engine_type(node).unwrap();
//! let leaf = a.engine_type(leaf).unwrap();
//! assert!(registry.is_subtype(leaf, node));
//!
//! // A handle on one type keeps its rec group (and what it references) alive.
//! let leaf_handle = registry.root(leaf).unwrap();
//! drop((a, b));
//! assert!(registry.borrow(leaf).is_some());
//! drop(leaf_handle);
//! assert_eq!(registry.len(), 0);
//! # Ok::<(), RegistryError>(())
//! ```
//!
//! # Trampoline types
//! Every function type has a *trampoline type*: the same signature with each
//! reference type widened to a nullable reference to the top of its
//! hierarchy, final and without a supertype. Engines share native call
//! trampolines between all function types with one trampoline type. A
//! function type that is already in that form, final and without a
//! supertype is its own trampoline type; any other registers its trampoline
//! type as a separate rec group and keeps it registered (Wasmtime PR #9446).
//!
//! # Reading binary modules
//! With the `wasmparser` cargo feature (on by default),
//! [`ModuleInfo::from_wasm`] validates a binary module as a Wasm 3.0
//! runtime would (every section but the function bodies) and reads its
//! types ([`ModuleInfo::types`]), imports, exports and index spaces, at a
//! cost linear in the input's size whatever the input declares; a runtime
//! that parses modules itself converts wasmparser's rec groups with
//! [`ModuleTypesBuilder::wasmparser_rec_group`] and single types, imports,
//! tables, memories and globals with `TryFrom` and `From`; the crate
//! re-exports the [`wasmparser`] it is built with.
//!
//! # Linking
//! The imports and exports [`ModuleInfo::from_wasm`] reads are in module
//! form; [`TypeCollection::engine_extern_type`] puts an
//! [`ExternType`] in engine form, and [`TypeRegistry::check_import`] applies
//! the spec's import matching, naming the [`ImportRule`] a mismatch breaks.
//! [`TypeRegistry::matches`] is subtyping for every type of the model, and
//! every type prints in the text format (`Display`). `docs/conformance.md`
//! runs all of it against the spec test suite.
//!
//! # GC object layouts
//! The [`gc_layout`] module computes each struct and array type's object
//! layout (field offsets, size, alignment, reference fields) once per
//! type, as the registry's per-type data: [`gc_layout::gc_layout_registry`].
//!
//! # Where to read on
//! `docs/design.md` (rendered as [`design`]) has the data structures, the
//! protocol, the invariants and the memory orderings.

#![deny(missing_docs)]
#![deny(unsafe_code)]
#![deny(clippy::undocumented_unsafe_blocks)]

mod canon;
mod error;
mod extern_types;
pub mod gc_layout;
mod identity;
mod module;
#[allow(unsafe_code)]
mod raw;
mod registry;
mod subtyping;
mod supertype_chains;
mod text;
mod trace;
mod type_ref;
mod types;
mod validate;
// The binary front end (feature `wasmparser`). Not named after the feature:
// the crate root re-exports the `wasmparser` crate itself under that name.
#[cfg(feature = "wasmparser")]
mod binary;

#[cfg(feature = "wasmparser")]
pub use binary::{Export, Import, ModuleInfo};
pub use error::{EmbedderError, ImportRule, LinkError, RegistryError, TypeError};
pub use extern_types::{ExternType, GlobalType, Limits, MemoryType, ModuleExternType, TableType};
pub use module::{ModuleTypes, ModuleTypesBuilder};
pub use raw::supertype_display::SegmentDisplay;
pub use registry::{
    DisplayView, Lookup, RegisteredType, RegistryStats, TypeCollection, TypeDataContext, TypeDataReader, TypeKey,
    TypeRegistry,
};
pub use subtyping::Matching;
pub use types::{
    AbstractHeapType, ArrayType, CompositeKind, CompositeType, ContType, EngineTypeIndex, FieldType, FuncType,
    HeapType, ModuleTypeIndex, RefSite, RefType, StorageType, StructType, SubType, TypeKind, TypeRef, ValType,
};
pub use validate::{MAX_PARAMS, MAX_RESULTS, MAX_STRUCT_FIELDS, MAX_SUBTYPING_DEPTH, MAX_TYPES};

/// Internals re-exported for the global-lock comparator in `benches/`
/// (crate `wasm-type-registry-bench`), so that it canonicalizes, hashes and
/// checks types with exactly the code this crate uses and differs from it
/// only in its concurrency design.
///
/// **Not public API**: compiled only with the cargo feature `__bench`,
/// which only that crate turns on; hidden from the docs, outside semver,
/// and may change or disappear in any release.
#[cfg(feature = "__bench")]
#[doc(hidden)]
pub mod __bench {
    pub use crate::canon::{for_runtime, is_own_trampoline, module_group_key, singleton_key, trampoline_type};
    pub use crate::canon::{CanonGroup, GroupHasher};
    pub use crate::subtyping::{composite_matches, TypeLookup};
    pub use crate::validate::{check_depth, check_referenced_kinds, check_size_limits, check_supertype_shape};
}

#[cfg(loom)]
pub use raw::sync::run_model;

/// The wasmparser crate this crate's binary front end is built on (cargo
/// feature `wasmparser`), re-exported so that a runtime converting its own
/// parser's types ([`ModuleTypesBuilder::wasmparser_rec_group`], the
/// `TryFrom` conversions, `From<BinaryReaderError>` for [`RegistryError`])
/// names exactly the version this crate was built with: 0.263. A new
/// wasmparser minor version is a breaking change of this crate.
#[cfg(feature = "wasmparser")]
pub use ::wasmparser;

#[doc = include_str!("../docs/design.md")]
pub mod design {}

// The README's example runs as a doctest, so it cannot rot.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
