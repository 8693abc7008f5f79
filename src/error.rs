//! The crate's errors: [`RegistryError`], and the errors of the two
//! domains it carries, [`TypeError`] (validation) and [`LinkError`]
//! (linking).
//!
//! Every fallible operation validates *before* it changes anything, or rolls
//! back what it changed before returning the error: a caller that gets an
//! `Err` finds the registry exactly as it was: the same types and rec groups
//! registered under the same indices, every handle valid. The one trace a
//! failed module registration can leave is capacity: if some of the
//! module's groups were new and registered before a later group was
//! refused, their indices are back on the free list, and the index table
//! keeps them as a `Vec` keeps its capacity. A failed
//! [`TypeRegistry::register_type`](crate::TypeRegistry::register_type) leaves no trace at all.

use std::fmt;

use crate::extern_types::ExternType;
use crate::types::{CompositeKind, EngineTypeIndex, HeapType, RefSite, TypeRef};

/// Why a type, rec group, module or registration was refused.
///
/// The `Display` text names the problem and where it is (type index, rec
/// group, limit); match on the variant to react programmatically. The
/// variants fall into domains, each with its own callers:
///
/// - reading a binary ([`ModuleInfo::from_wasm`](crate::ModuleInfo::from_wasm)):
///   [`InvalidWasm`](Self::InvalidWasm), [`InvalidTypeSection`](Self::InvalidTypeSection),
///   [`Unsupported`](Self::Unsupported);
/// - validating types: a [`TypeError`], which
///   [`ModuleTypesBuilder::build`](crate::ModuleTypesBuilder::build)
///   returns as is; [`Type`](Self::Type) carries one out of the calls that
///   also fail in other ways
///   ([`TypeRegistry::register_type`](crate::TypeRegistry::register_type),
///   [`ModuleInfo::from_wasm`](crate::ModuleInfo::from_wasm)) and into a
///   caller's chain of `?`;
/// - the registry's capacity: [`IndexSpaceExhausted`](Self::IndexSpaceExhausted);
/// - the embedder's per-type data: [`DataType`](Self::DataType) (a reader of
///   the wrong type) and [`TypeData`](Self::TypeData) (the data function
///   refused a type);
/// - linking: the calls of the linking API fail only with a [`LinkError`],
///   which they return as is; [`Link`](Self::Link) carries one into a
///   caller's chain of `?` and into the one call outside that API that
///   meets one ([`TypeCollection::data`](crate::TypeCollection::data) for a
///   module index out of range).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RegistryError {
    /// A type broke a rule every type must follow to be registered; see
    /// [`TypeError`].
    Type(TypeError),
    /// The registry has handed out all of its indices.
    IndexSpaceExhausted,
    /// A binary module could not be read outside its type section: a bad
    /// header, broken section framing, truncated bytes, a section that
    /// declares more items than it has bytes, a section the validator
    /// refused, or a component where a core module was expected.
    InvalidWasm {
        /// Byte offset of the problem in the input.
        offset: usize,
        /// What is wrong.
        message: String,
    },
    /// A binary module's type section does not decode, or a validator
    /// refused it.
    InvalidTypeSection {
        /// Byte offset of the problem in the input.
        offset: usize,
        /// The module-level index of the type refused. When the problem is
        /// in a rec group that does not decode, or the validator refused a
        /// rec group of several types and the crate's own checks cannot
        /// tell which of them, the group's first type.
        type_index: u32,
        /// The rec group (0-based, in module order) refused.
        rec_group: u32,
        /// What is wrong, in the decoder's or validator's words.
        message: String,
    },
    /// A linking or matching call refused its input; see [`LinkError`].
    Link(LinkError),
    /// The input uses a type feature this crate's type model cannot express
    /// (see the crate's README for what each proposal gets), so it is
    /// refused rather than modelled wrongly.
    Unsupported {
        /// What cannot be expressed, for example `"more than one declared
        /// supertype"`.
        what: &'static str,
        /// The module-level index of the type that uses it, when known.
        type_index: Option<u32>,
        /// That type's rec group (0-based, in module order), when known.
        rec_group: Option<u32>,
    },
    /// Per-type data of type `requested` was asked of a registry that
    /// computes data of another type, or none
    /// ([`TypeRegistry::type_data`](crate::TypeRegistry::type_data)).
    DataType {
        /// The type asked for ([`std::any::type_name`]).
        requested: &'static str,
        /// The type the registry's data function computes, if it has one.
        computed: Option<&'static str>,
    },
    /// The embedder's per-type data function (see
    /// [`TypeRegistry::with_type_data`](crate::TypeRegistry::with_type_data))
    /// refused a type; the group was not registered.
    TypeData {
        /// The module-level index of the refused type (0 for
        /// [`TypeRegistry::register_type`](crate::TypeRegistry::register_type)).
        type_index: u32,
        /// The embedder's error.
        source: EmbedderError,
    },
}

/// An error of the embedder's, carried by [`RegistryError::TypeData`]:
/// shared, so that the error stays `Clone`; two are equal when they are the
/// same error value.
#[derive(Clone, Debug)]
pub struct EmbedderError(pub std::sync::Arc<dyn std::error::Error + Send + Sync>);

impl PartialEq for EmbedderError {
    fn eq(&self, other: &Self) -> bool {
        std::sync::Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for EmbedderError {}

impl fmt::Display for EmbedderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl fmt::Display for RegistryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use RegistryError::*;
        match self {
            IndexSpaceExhausted => f.write_str("the registry's engine type index space is exhausted"),
            InvalidWasm { offset, message } => write!(f, "invalid wasm at byte offset {offset:#x}: {message}"),
            InvalidTypeSection { offset, type_index, rec_group, message } => write!(
                f,
                "invalid type section at byte offset {offset:#x}: type {type_index} (rec group {rec_group}): {message}"
            ),
            Type(error) => error.fmt(f),
            Link(error) => error.fmt(f),
            Unsupported { what, type_index, rec_group } => {
                if let Some(type_index) = type_index {
                    write!(f, "type {type_index}")?;
                    if let Some(rec_group) = rec_group {
                        write!(f, " (rec group {rec_group})")?;
                    }
                    f.write_str(": ")?;
                }
                write!(f, "{what} cannot be expressed in this type model")
            }
            DataType { requested, computed: Some(computed) } => {
                write!(f, "type data of type {requested} asked of a registry whose data is of type {computed}")
            }
            DataType { requested, computed: None } => {
                write!(f, "type data of type {requested} asked of a registry without a data function")
            }
            TypeData { type_index, source } => {
                write!(f, "type {type_index}: the embedder's type data function refused it: {source}")
            }
        }
    }
}

/// The message includes any underlying error's (a [`TypeError`], a
/// [`LinkError`], the embedder's), so `source` reports none: a chain
/// printed by a reporter shows each message once.
impl std::error::Error for RegistryError {}

/// Why validation refused a type: the rules every type must follow to be
/// registered, decided from the type and what it references (index ranges
/// and rec-group structure, declared supertypes, the clauses that must name
/// a particular kind of type, sharedness, subtyping depth, the JS-API size
/// limits).
///
/// [`ModuleTypesBuilder::build`](crate::ModuleTypesBuilder::build) fails
/// only in these ways and returns a `TypeError` as is. The calls that can
/// also fail in other ways
/// ([`TypeRegistry::register_type`](crate::TypeRegistry::register_type),
/// [`TypeRegistry::register_module`](crate::TypeRegistry::register_module),
/// [`ModuleInfo::from_wasm`](crate::ModuleInfo::from_wasm),
/// [`ModuleTypesBuilder::wasmparser_rec_group`](crate::ModuleTypesBuilder::wasmparser_rec_group))
/// return it as [`RegistryError::Type`], with the same message.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TypeError {
    /// A type reference points past the end of the module's types.
    IndexOutOfRange {
        /// The module-level index of the referring type.
        type_index: u32,
        /// The referenced index.
        referenced: u32,
        /// How many types the module defines.
        num_types: u32,
    },
    /// A type reference points into a later rec group. References may only
    /// go to earlier rec groups or into the referring type's own group.
    ForwardReference {
        /// The module-level index of the referring type.
        type_index: u32,
        /// The referenced index.
        referenced: u32,
        /// The rec group (0-based, in module order) of the referring type.
        rec_group: u32,
    },
    /// A type reference is in an index space this input may not use, for
    /// example a module-level index given to
    /// [`TypeRegistry::register_type`](crate::TypeRegistry::register_type).
    WrongIndexSpace {
        /// The index of the referring type within its input.
        type_index: u32,
        /// Where in that type the reference sits, where known.
        site: Option<RefSite>,
        /// The offending reference.
        reference: TypeRef,
        /// Which index spaces are allowed here.
        expected: &'static str,
    },
    /// The declared supertype is not defined before the subtype.
    SupertypeNotEarlier {
        /// The module-level index of the subtype.
        type_index: u32,
        /// The declared supertype.
        supertype: u32,
    },
    /// The declared supertype is final and cannot be subtyped.
    SupertypeIsFinal {
        /// The index of the subtype.
        type_index: u32,
        /// The declared supertype.
        supertype: TypeRef,
    },
    /// The declared supertype is a different kind of composite type.
    SupertypeKindMismatch {
        /// The index of the subtype.
        type_index: u32,
        /// The subtype's kind.
        kind: CompositeKind,
        /// The supertype's kind.
        supertype_kind: CompositeKind,
    },
    /// Shared-everything threads: a shared type mentions an unshared heap
    /// type (in a param, result, field or array element), or a type
    /// declares a supertype of the other sharedness.
    SharednessMismatch {
        /// The index of the type.
        type_index: u32,
        /// Where in that type the heap type of the other sharedness sits:
        /// [`RefSite::Param`], [`RefSite::Result`], [`RefSite::Field`],
        /// [`RefSite::Element`] or [`RefSite::Supertype`].
        site: RefSite,
        /// That heap type: an unshared abstract heap type (`func`), or a
        /// reference to a type of the other sharedness (the supertype's, at
        /// [`RefSite::Supertype`]).
        referenced: HeapType,
        /// Whether the type at `type_index` is shared (always, except for a
        /// shared supertype of an unshared type).
        shared: bool,
    },
    /// The type's structure does not match its declared supertype's.
    SupertypeMismatch {
        /// The index of the subtype within its input.
        type_index: u32,
        /// What does not match.
        detail: String,
    },
    /// A clause that names another type names one it may not: a
    /// `descriptor` or `describes` clause (custom descriptors proposal)
    /// outside the rec group, not to a struct type, or not answered by the
    /// matching clause of the other type; a continuation type over a type
    /// that is not a function type.
    InvalidTypeClause {
        /// The index of the type with the clause.
        type_index: u32,
        /// The clause: `"descriptor"`, `"describes"` or `"cont"`.
        clause: &'static str,
        /// The type it names.
        referenced: TypeRef,
        /// What is wrong with it.
        problem: &'static str,
    },
    /// The chain of declared supertypes is deeper than Wasm allows.
    SubtypingDepthExceeded {
        /// The index of the type whose chain is too deep.
        type_index: u32,
        /// The most a chain may have (63).
        limit: u32,
    },
    /// A size limit of the JS API embedding limits was exceeded.
    LimitExceeded {
        /// What was counted, for example `"struct fields"`.
        what: &'static str,
        /// The index of the offending type (or the type count, for the
        /// number of types).
        type_index: u32,
        /// The limit.
        limit: usize,
        /// The actual count.
        actual: usize,
    },
    /// An engine index is not registered in this registry: never registered,
    /// already unregistered, or from another registry.
    UnregisteredEngineIndex {
        /// The unknown index.
        index: EngineTypeIndex,
        /// The index, within its input, of the type that refers to it, and
        /// where in that type the reference sits, where known.
        referrer: Option<(u32, RefSite)>,
    },
}

impl fmt::Display for TypeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use TypeError::*;
        match self {
            IndexOutOfRange { type_index, referenced, num_types } => write!(
                f,
                "type {type_index}: type index {referenced} is out of range (the module defines {num_types} types)"
            ),
            ForwardReference { type_index, referenced, rec_group } => write!(
                f,
                "type {type_index} (rec group {rec_group}): forward reference to type {referenced} in a later rec group"
            ),
            WrongIndexSpace { type_index, site, reference, expected } => {
                write!(f, "type {type_index}")?;
                if let Some(site) = site {
                    write!(f, ", {site}")?;
                }
                write!(
                    f,
                    ": reference {reference} ({}) is in the wrong index space (expected {expected})",
                    reference.index_space()
                )
            }
            SupertypeNotEarlier { type_index, supertype } => {
                write!(f, "type {type_index}: supertype {supertype} is not defined before its subtype")
            }
            SupertypeIsFinal { type_index, supertype } => {
                write!(f, "type {type_index}: supertype {supertype} is final and cannot be subtyped")
            }
            SupertypeKindMismatch { type_index, kind, supertype_kind } => {
                write!(
                    f,
                    "type {type_index}: {} type cannot subtype {} type",
                    kind.with_article(),
                    supertype_kind.with_article()
                )
            }
            SharednessMismatch { type_index, site: RefSite::Supertype, referenced, shared } => {
                let (this, other) = if *shared { ("a shared", "an unshared") } else { ("an unshared", "a shared") };
                write!(f, "type {type_index}, supertype {referenced}: {this} type cannot subtype {other} type")
            }
            SharednessMismatch { type_index, site, referenced, .. } => write!(
                f,
                "type {type_index}, {site}: heap type {referenced} is not shared, and a shared type may mention \
                 only shared types"
            ),
            SupertypeMismatch { type_index, detail } => {
                write!(f, "type {type_index}: does not match its declared supertype: {detail}")
            }
            InvalidTypeClause { type_index, clause, referenced, problem } => {
                write!(f, "type {type_index}: ({clause} {referenced}): {problem}")
            }
            SubtypingDepthExceeded { type_index, limit } => {
                write!(f, "type {type_index}: subtyping depth exceeds the limit of {limit} supertypes")
            }
            LimitExceeded { what, type_index, limit, actual } => {
                write!(f, "type {type_index}: too many {what}: {actual} (the limit is {limit})")
            }
            UnregisteredEngineIndex { index, referrer } => {
                if let Some((type_index, site)) = referrer {
                    write!(f, "type {type_index}, {site}: ")?;
                }
                write!(f, "engine type index {index} is not registered in this registry")
            }
        }
    }
}

impl std::error::Error for TypeError {}

impl From<TypeError> for RegistryError {
    fn from(error: TypeError) -> Self {
        RegistryError::Type(error)
    }
}

/// Why a call of the linking API refused its input: converting a module's
/// types to engine form ([`TypeCollection`](crate::TypeCollection)'s
/// `engine_*` methods), structural matching
/// ([`TypeRegistry::matches`](crate::TypeRegistry::matches),
/// [`equivalent`](crate::TypeRegistry::equivalent)) and import matching
/// ([`TypeRegistry::check_import`](crate::TypeRegistry::check_import)).
/// These calls fail only in the ways listed here; where a call of another
/// kind meets one of them, it returns it as [`RegistryError::Link`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum LinkError {
    /// A type given to a matching or linking check refers to a type by a
    /// module or rec-group index: checks compare registered types, so every
    /// concrete reference must be an [`EngineTypeIndex`]. Convert a module's
    /// types with [`TypeCollection`](crate::TypeCollection)'s `engine_*`
    /// methods first.
    NotEngineForm {
        /// The offending reference.
        reference: TypeRef,
    },
    /// A module type index given to a [`TypeCollection`](crate::TypeCollection)
    /// conversion is past the end of the module's types.
    ModuleIndexOutOfRange {
        /// The index.
        index: u32,
        /// How many types the module defines.
        num_types: u32,
    },
    /// A module-form type given to a [`TypeCollection`](crate::TypeCollection)
    /// conversion belongs to another module than the one the collection was
    /// registered from: its module indices would name other types (see
    /// [`ModuleExternType`](crate::ModuleExternType)).
    OtherModule {
        /// The type, in its own module's form.
        ty: ExternType,
    },
    /// An export's type does not match the type an import expects; see
    /// [`TypeRegistry::check_import`](crate::TypeRegistry::check_import).
    IncompatibleImport {
        /// The matching rule that failed.
        rule: ImportRule,
        /// The export's type, in the text format.
        export: String,
        /// The import's type, in the text format.
        import: String,
    },
}

impl fmt::Display for LinkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use LinkError::*;
        match self {
            NotEngineForm { reference } => write!(
                f,
                "type reference {reference} ({}) is not an engine type index: register the module and convert \
                 its types to engine form first",
                reference.index_space()
            ),
            ModuleIndexOutOfRange { index, num_types } => {
                write!(f, "type index {index} is out of range (the module defines {num_types} types)")
            }
            OtherModule { ty } => write!(
                f,
                "{ty} is another module's type: convert it with the TypeCollection registered from the module \
                 that declares it"
            ),
            IncompatibleImport { rule, export, import } => {
                write!(f, "incompatible import type: {rule}: export {export}, import {import}")
            }
        }
    }
}

impl std::error::Error for LinkError {}

impl From<LinkError> for RegistryError {
    fn from(error: LinkError) -> Self {
        RegistryError::Link(error)
    }
}

/// A message from another crate on one line: some of wasmparser's embed
/// pretty-printed byte arrays ("bad magic number - expected=[\n    0x0,\n
/// ..."), which would spread one error over a dozen log lines.
#[cfg(feature = "wasmparser")]
pub(crate) fn one_line(message: &str) -> String {
    let mut line = message.split_whitespace().collect::<Vec<_>>().join(" ");
    for (spread, tight) in [("[ ", "["), (", ]", "]"), (" ]", "]")] {
        line = line.replace(spread, tight);
    }
    line
}

/// Which rule of the spec's import matching an export failed (see
/// [`TypeRegistry::check_import`](crate::TypeRegistry::check_import)); its
/// `Display` text states the rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ImportRule {
    /// The export is a different kind of item (a function for a global, ...).
    Kind,
    /// A function's type must be a subtype of the imported type.
    FuncSubtype,
    /// A function imported with an exact type must have exactly that type
    /// (custom descriptors proposal).
    FuncExact,
    /// A function imported with an exact type must be exported with one:
    /// a function its module defines, or imports exactly, not one it
    /// re-exports from an inexact import (custom descriptors proposal).
    FuncExactExport,
    /// A tag's type must be equivalent to the imported type (tags are both
    /// thrown and caught, so neither direction of subtyping suffices).
    TagEquivalent,
    /// A table's element type must be equivalent to the imported one
    /// (tables are read and written).
    TableElementEquivalent,
    /// A table's address type (`i32` or `i64`) must be the imported one.
    TableAddressType,
    /// A table must be shared exactly when the imported one is
    /// (shared-everything threads proposal).
    TableShared,
    /// A memory's address type (`i32` or `i64`) must be the imported one.
    MemoryAddressType,
    /// A memory must be shared exactly when the imported one is.
    MemoryShared,
    /// A memory's page size must be the imported one.
    MemoryPageSize,
    /// A table's or memory's minimum size must be at least the imported one.
    LimitsMinimum,
    /// When the import has a maximum size, the export must have one, no
    /// larger.
    LimitsMaximum,
    /// A global must be shared exactly when the imported one is
    /// (shared-everything threads proposal).
    GlobalShared,
    /// A global must be mutable exactly when the imported one is.
    GlobalMutability,
    /// An immutable global's value type must be a subtype of the imported
    /// one.
    ImmutableGlobalSubtype,
    /// A mutable global's value type must be equivalent to the imported one
    /// (it is read and written).
    MutableGlobalEquivalent,
}

impl fmt::Display for ImportRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ImportRule::Kind => "an export of one kind cannot satisfy an import of another",
            ImportRule::FuncSubtype => "the function's type must be a subtype of the imported type",
            ImportRule::FuncExact => "the function's type must be exactly the imported type",
            ImportRule::FuncExactExport => {
                "an exact import needs an exact export, not a re-export of an inexact import"
            }
            ImportRule::TagEquivalent => "the tag's type must be equivalent to the imported type",
            ImportRule::TableElementEquivalent => "table element types must be equivalent",
            ImportRule::TableAddressType => "table address types (i32 or i64) must be the same",
            ImportRule::TableShared => "a table must be shared exactly when the imported one is",
            ImportRule::MemoryAddressType => "memory address types (i32 or i64) must be the same",
            ImportRule::MemoryShared => "a memory must be shared exactly when the imported one is",
            ImportRule::MemoryPageSize => "memory page sizes must be the same",
            ImportRule::LimitsMinimum => "the minimum size must be at least the imported minimum",
            ImportRule::LimitsMaximum => "the maximum size must be present and at most the imported maximum",
            ImportRule::GlobalShared => "a global must be shared exactly when the imported one is",
            ImportRule::GlobalMutability => "a global must be mutable exactly when the imported one is",
            ImportRule::ImmutableGlobalSubtype => {
                "an immutable global's value type must be a subtype of the imported one"
            }
            ImportRule::MutableGlobalEquivalent => {
                "a mutable global's value type must be equivalent to the imported one"
            }
        })
    }
}
