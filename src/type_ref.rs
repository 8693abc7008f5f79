//! Type references and the index spaces they live in: a module's type
//! indices, a registry's engine indices, rec-group-relative indices, and
//! where inside a type definition a reference sits.

use std::fmt;

macro_rules! index_newtype {
    ($(#[$doc:meta])* $name:ident, $prefix:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(u32);

        impl $name {
            /// Wraps a raw index.
            #[inline]
            pub const fn from_u32(index: u32) -> Self {
                Self(index)
            }

            /// The raw index.
            #[inline]
            pub const fn as_u32(self) -> u32 {
                self.0
            }

            /// The raw index as a `usize`, for indexing tables.
            #[inline]
            pub const fn as_usize(self) -> usize {
                self.0 as usize
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!($prefix, "{}"), self.0)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }
    };
}

index_newtype!(
    /// The index of a type in one module's type index space (its type section,
    /// in order, across all of its rec groups).
    ModuleTypeIndex,
    "module:"
);

index_newtype!(
    /// The index of a type in a [`TypeRegistry`](crate::TypeRegistry): equal
    /// types registered from any module get the same engine index, so that
    /// `call_indirect` and casts compare indices.
    ///
    /// An index stays valid while a [`TypeCollection`](crate::TypeCollection)
    /// or [`RegisteredType`](crate::RegisteredType) holds its type; after the
    /// last one is dropped the index is freed and may be handed to another type.
    EngineTypeIndex,
    "engine:"
);

/// A reference to a concrete type, in one of three index spaces.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum TypeRef {
    /// An index into the defining module's type index space.
    Module(ModuleTypeIndex),
    /// An index relative to the start of the rec group that contains the
    /// referring type. Only valid inside that group: in hash-consing keys,
    /// and to let [`TypeRegistry::register_type`](crate::TypeRegistry::register_type) express a
    /// self-recursive singleton type (`RecGroup(0)`).
    RecGroup(u32),
    /// An index into a registry.
    Engine(EngineTypeIndex),
}

impl TypeRef {
    /// The engine index, if this reference is in the registry's index space.
    pub fn as_engine(self) -> Option<EngineTypeIndex> {
        match self {
            TypeRef::Engine(index) => Some(index),
            _ => None,
        }
    }
}

/// Where a type reference sits inside a [`SubType`](crate::SubType), as
/// [`SubType::trace_sites`](crate::SubType::trace_sites) reports it and
/// errors about a reference name it
/// ([`TypeError::WrongIndexSpace`](crate::TypeError::WrongIndexSpace),
/// [`TypeError::UnregisteredEngineIndex`](crate::TypeError::UnregisteredEngineIndex)).
/// Its `Display` is the place in words: `supertype`, `param 1`, `field 0`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RefSite {
    /// The declared supertype.
    Supertype,
    /// A struct's `describes` clause.
    Describes,
    /// A struct's `descriptor` clause.
    Descriptor,
    /// A function's parameter, numbered from 0.
    Param(u32),
    /// A function's result, numbered from 0.
    Result(u32),
    /// A struct's field, numbered from 0.
    Field(u32),
    /// An array's element type.
    Element,
    /// A continuation type's function type.
    Continuation,
}

impl std::fmt::Display for RefSite {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RefSite::Supertype => f.write_str("supertype"),
            RefSite::Describes => f.write_str("describes clause"),
            RefSite::Descriptor => f.write_str("descriptor clause"),
            RefSite::Param(i) => write!(f, "param {i}"),
            RefSite::Result(i) => write!(f, "result {i}"),
            RefSite::Field(i) => write!(f, "field {i}"),
            RefSite::Element => f.write_str("array element"),
            RefSite::Continuation => f.write_str("continuation's function type"),
        }
    }
}
