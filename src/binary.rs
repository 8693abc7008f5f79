//! The binary front end (cargo feature `wasmparser`, on by default): reading
//! a binary module with `wasmparser`, and conversions from wasmparser's
//! types into this crate's type model.
//!
//! Two ways in:
//! - [`ModuleInfo::from_wasm`] takes the bytes of a core module, validates
//!   every section but the function bodies as a Wasm 3.0 runtime would
//!   (wasmparser's validator with [`WasmFeatures::WASM3`]: GC, function
//!   references, exceptions, tail calls, ...) plus the custom descriptors,
//!   stack switching and shared-everything threads proposals; it reads the
//!   imports, exports and index spaces as their sections validate, and
//!   converts the type section into the module's [`ModuleTypes`] once the
//!   whole module has validated. Its
//!   rustdoc lists exactly what is checked and what hostile input can cost;
//!   the validating walk lives in the `read` submodule.
//! - A runtime that already parses (and validates) modules converts what
//!   its parser hands it: [`ModuleTypesBuilder::wasmparser_rec_group`] for
//!   each rec group of the type section, the `TryFrom` conversions of
//!   single types ([`SubType`], [`CompositeType`], [`FieldType`],
//!   [`StorageType`], [`ValType`], [`RefType`], [`HeapType`],
//!   [`AbstractHeapType`]), and those of imports, tables, memories and
//!   globals ([`ExternType`](crate::ExternType),
//!   [`TableType`](crate::TableType), [`MemoryType`](crate::MemoryType),
//!   [`GlobalType`](crate::GlobalType)).
//!
//! Types this model cannot express are refused with
//! [`RegistryError::Unsupported`] rather than modelled wrongly:
//! wasmparser's validator-internal type ids.
//! Descriptor clauses on a type that is not a struct type, which no
//! validator accepts, are refused with [`TypeError::InvalidTypeClause`]
//! (as [`RegistryError::Type`]).
//!
//! The wasmparser version is 0.263; a runtime converting its own parser's
//! types must use the same version.
//!
//! [`WasmFeatures::WASM3`]: ::wasmparser::WasmFeatures::WASM3

use ::wasmparser as wp;

mod module_info;
mod read;

pub use module_info::{Export, Import, ModuleInfo};

pub(crate) use read::read_module;

use crate::error::{one_line, RegistryError, TypeError};
use crate::module::{ModuleTypes, ModuleTypesBuilder};
use crate::types::{
    AbstractHeapType, ArrayType, CompositeType, ContType, FieldType, FuncType, HeapType, ModuleTypeIndex, RefType,
    StorageType, StructType, SubType, TypeRef, ValType,
};

impl ModuleTypes {
    /// The proposals [`ModuleInfo::from_wasm`](crate::ModuleInfo::from_wasm)
    /// validates a module with: Wasm 3.0, plus the type features of custom
    /// descriptors (exact references, descriptor clauses), stack switching
    /// (continuation types) and shared-everything threads (shared composite
    /// types, shared abstract heap types, shared tables and globals). A
    /// runtime that validates function bodies, or whole modules, with its
    /// own `wasmparser` validator uses the same set, so that both agree on
    /// what a module is.
    ///
    /// # Examples
    /// ```
    /// use wasm_type_registry::{wasmparser::WasmFeatures, ModuleTypes};
    ///
    /// assert!(ModuleTypes::WASM_FEATURES.contains(WasmFeatures::WASM3 | WasmFeatures::CUSTOM_DESCRIPTORS));
    /// ```
    pub const WASM_FEATURES: wp::WasmFeatures = wp::WasmFeatures::WASM3
        .union(wp::WasmFeatures::CUSTOM_DESCRIPTORS)
        .union(wp::WasmFeatures::STACK_SWITCHING)
        .union(wp::WasmFeatures::SHARED_EVERYTHING_THREADS);
}

const TYPE_IDS: &str =
    "wasmparser validator-internal type ids (convert types as parsed, with module or rec-group indices)";
const SUPERTYPES: &str = "more than one declared supertype";

/// wasmparser's offsets are `u64`; ours index the input slice.
fn byte_offset(offset: u64) -> usize {
    usize::try_from(offset).unwrap_or(usize::MAX)
}

fn unsupported(what: &'static str) -> RegistryError {
    RegistryError::Unsupported { what, type_index: None, rec_group: None }
}

/// Says which type an error from a conversion is about.
fn locate(error: RegistryError, type_index: u32, rec_group: u32) -> RegistryError {
    match error {
        RegistryError::Unsupported { what, type_index: None, rec_group: None } => {
            RegistryError::Unsupported { what, type_index: Some(type_index), rec_group: Some(rec_group) }
        }
        RegistryError::Type(TypeError::InvalidTypeClause { clause, referenced, problem, .. }) => {
            TypeError::InvalidTypeClause { type_index, clause, referenced, problem }.into()
        }
        other => other,
    }
}

impl From<wp::BinaryReaderError> for RegistryError {
    /// A decoding or validation error outside any particular type, with
    /// wasmparser's offset and message.
    fn from(error: wp::BinaryReaderError) -> Self {
        RegistryError::InvalidWasm { offset: byte_offset(error.offset()), message: one_line(error.message()) }
    }
}

fn type_ref(index: wp::UnpackedIndex) -> Result<TypeRef, RegistryError> {
    match index {
        wp::UnpackedIndex::Module(i) => Ok(TypeRef::Module(ModuleTypeIndex::from_u32(i))),
        wp::UnpackedIndex::RecGroup(i) => Ok(TypeRef::RecGroup(i)),
        wp::UnpackedIndex::Id(_) => Err(unsupported(TYPE_IDS)),
    }
}

impl TryFrom<wp::AbstractHeapType> for AbstractHeapType {
    type Error = RegistryError;

    /// Every abstract heap type.
    fn try_from(ty: wp::AbstractHeapType) -> Result<Self, RegistryError> {
        use wp::AbstractHeapType as W;
        Ok(match ty {
            W::Func => AbstractHeapType::Func,
            W::NoFunc => AbstractHeapType::NoFunc,
            W::Extern => AbstractHeapType::Extern,
            W::NoExtern => AbstractHeapType::NoExtern,
            W::Any => AbstractHeapType::Any,
            W::Eq => AbstractHeapType::Eq,
            W::I31 => AbstractHeapType::I31,
            W::Struct => AbstractHeapType::Struct,
            W::Array => AbstractHeapType::Array,
            W::None => AbstractHeapType::None,
            W::Exn => AbstractHeapType::Exn,
            W::NoExn => AbstractHeapType::NoExn,
            W::Cont => AbstractHeapType::Cont,
            W::NoCont => AbstractHeapType::NoCont,
        })
    }
}

impl TryFrom<wp::HeapType> for HeapType {
    type Error = RegistryError;

    /// Abstract heap types, shared or not, and concrete and exact
    /// references by module or rec-group index ([`TypeRef::Module`],
    /// [`TypeRef::RecGroup`]).
    fn try_from(ty: wp::HeapType) -> Result<Self, RegistryError> {
        match ty {
            wp::HeapType::Abstract { shared: true, ty } => Ok(HeapType::SharedAbstract(ty.try_into()?)),
            wp::HeapType::Abstract { shared: false, ty } => Ok(HeapType::Abstract(ty.try_into()?)),
            wp::HeapType::Concrete(index) => Ok(HeapType::Concrete(type_ref(index)?)),
            wp::HeapType::Exact(index) => Ok(HeapType::Exact(type_ref(index)?)),
        }
    }
}

impl TryFrom<wp::RefType> for RefType {
    type Error = RegistryError;

    fn try_from(ty: wp::RefType) -> Result<Self, RegistryError> {
        Ok(RefType { nullable: ty.is_nullable(), heap_type: ty.heap_type().try_into()? })
    }
}

impl TryFrom<wp::ValType> for ValType {
    type Error = RegistryError;

    fn try_from(ty: wp::ValType) -> Result<Self, RegistryError> {
        Ok(match ty {
            wp::ValType::I32 => ValType::I32,
            wp::ValType::I64 => ValType::I64,
            wp::ValType::F32 => ValType::F32,
            wp::ValType::F64 => ValType::F64,
            wp::ValType::V128 => ValType::V128,
            wp::ValType::Ref(r) => ValType::Ref(r.try_into()?),
        })
    }
}

impl TryFrom<wp::StorageType> for StorageType {
    type Error = RegistryError;

    fn try_from(ty: wp::StorageType) -> Result<Self, RegistryError> {
        Ok(match ty {
            wp::StorageType::I8 => StorageType::I8,
            wp::StorageType::I16 => StorageType::I16,
            wp::StorageType::Val(v) => StorageType::Val(v.try_into()?),
        })
    }
}

impl TryFrom<wp::FieldType> for FieldType {
    type Error = RegistryError;

    fn try_from(ty: wp::FieldType) -> Result<Self, RegistryError> {
        Ok(FieldType { mutable: ty.mutable, storage: ty.element_type.try_into()? })
    }
}

impl TryFrom<&wp::CompositeType> for CompositeType {
    type Error = RegistryError;

    /// Function, struct, array and continuation types; descriptor clauses
    /// on struct types. Whether the type is shared is not part of a
    /// [`CompositeType`]: the [`SubType`] conversion reads it into
    /// [`SubType::shared`].
    ///
    /// # Errors
    /// [`TypeError::InvalidTypeClause`] (as [`RegistryError::Type`]) for
    /// descriptor clauses on a type that is not a struct type (its
    /// `type_index` is 0 here;
    /// [`ModuleTypesBuilder::wasmparser_rec_group`] says which type).
    fn try_from(ty: &wp::CompositeType) -> Result<Self, RegistryError> {
        let wp::CompositeType { inner, shared: _, descriptor_idx, describes_idx } = ty;
        let describes = describes_idx.map(|i| type_ref(i.unpack())).transpose()?;
        let descriptor = descriptor_idx.map(|i| type_ref(i.unpack())).transpose()?;
        if !matches!(inner, wp::CompositeInnerType::Struct(_)) {
            let clause = |clause, referenced| TypeError::InvalidTypeClause {
                type_index: 0,
                clause,
                referenced,
                problem: "only struct types may have descriptor clauses",
            };
            if let Some(d) = descriptor {
                return Err(clause("descriptor", d).into());
            }
            if let Some(t) = describes {
                return Err(clause("describes", t).into());
            }
        }
        let vals = |types: &[wp::ValType]| types.iter().map(|&v| ValType::try_from(v)).collect::<Result<Box<_>, _>>();
        Ok(match inner {
            wp::CompositeInnerType::Func(f) => {
                CompositeType::Func(FuncType { params: vals(f.params())?, results: vals(f.results())? })
            }
            wp::CompositeInnerType::Struct(s) => CompositeType::Struct(StructType {
                fields: s.fields.iter().map(|&f| FieldType::try_from(f)).collect::<Result<_, _>>()?,
                descriptor,
                describes,
            }),
            wp::CompositeInnerType::Array(a) => CompositeType::Array(ArrayType { element: a.0.try_into()? }),
            wp::CompositeInnerType::Cont(c) => CompositeType::Cont(ContType { func: type_ref(c.0.unpack())? }),
        })
    }
}

impl TryFrom<&wp::SubType> for SubType {
    type Error = RegistryError;

    /// A type as wasmparser's parser returns it. Its references keep their
    /// index space: module indices become [`TypeRef::Module`], rec-group
    /// relative ones [`TypeRef::RecGroup`] (what
    /// [`TypeRegistry::register_type`](crate::TypeRegistry::register_type) takes for
    /// self-reference).
    ///
    /// # Examples
    /// ```
    /// use wasm_type_registry::*;
    ///
    /// // (type (sub (struct (field (mut i32)))))
    /// let ty = wasmparser::SubType {
    ///     is_final: false,
    ///     supertype_idxs: vec![],
    ///     composite_type: wasmparser::CompositeType {
    ///         inner: wasmparser::CompositeInnerType::Struct(wasmparser::StructType {
    ///             fields: Box::new([wasmparser::FieldType {
    ///                 element_type: wasmparser::StorageType::Val(wasmparser::ValType::I32),
    ///                 mutable: true,
    ///             }]),
    ///         }),
    ///         shared: false,
    ///         descriptor_idx: None,
    ///         describes_idx: None,
    ///     },
    /// };
    /// let ours = SubType::try_from(&ty)?;
    /// let i32_field = FieldType { mutable: true, storage: StorageType::Val(ValType::I32) };
    /// assert_eq!(ours, SubType::struct_(false, None, [i32_field]));
    ///
    /// // A registry takes it as a singleton rec group.
    /// let registry = TypeRegistry::new();
    /// let registered = registry.register_type(ours)?;
    /// assert!(!registered.is_final);
    /// # Ok::<(), RegistryError>(())
    /// ```
    fn try_from(ty: &wp::SubType) -> Result<Self, RegistryError> {
        let supertype = match ty.supertype_idxs.as_slice() {
            [] => None,
            [sup] => Some(type_ref(sup.unpack())?),
            _ => return Err(unsupported(SUPERTYPES)),
        };
        let composite = (&ty.composite_type).try_into()?;
        Ok(SubType { shared: ty.composite_type.shared, is_final: ty.is_final, supertype, composite })
    }
}

/// Converts one rec group whose first type gets module index `start`:
/// rec-group-relative references become module indices.
fn convert_group<'t>(
    types: impl Iterator<Item = &'t wp::SubType>,
    start: u32,
    rec_group: u32,
) -> Result<Vec<SubType>, RegistryError> {
    types
        .enumerate()
        .map(|(i, ty)| {
            let type_index = start.saturating_add(i as u32);
            SubType::try_from(ty)
                .and_then(|ty| {
                    ty.map_refs(|r| match r {
                        TypeRef::RecGroup(j) => {
                            start.checked_add(j).map(|m| TypeRef::Module(ModuleTypeIndex::from_u32(m))).ok_or(
                                TypeError::IndexOutOfRange { type_index, referenced: j, num_types: u32::MAX }.into(),
                            )
                        }
                        other => Ok(other),
                    })
                })
                .map_err(|e| locate(e, type_index, rec_group))
        })
        .collect()
}

impl ModuleTypesBuilder {
    /// Appends one rec group of a type section as wasmparser's parser
    /// returns it; returns the module index of its first type. References
    /// by module index keep it; rec-group-relative references become
    /// module indices of this group's types.
    ///
    /// # Errors
    /// [`RegistryError::Unsupported`] for types this model cannot express,
    /// [`RegistryError::Type`] for descriptor clauses on a type that is not
    /// a struct type ([`TypeError::InvalidTypeClause`]); the builder is
    /// then unchanged. Index problems are found by [`build`](Self::build).
    ///
    /// # Examples
    /// A runtime that parses modules itself:
    /// ```
    /// use wasm_type_registry::*;
    ///
    /// // (module (type (func (param i32))) (rec (type (struct)) (type (array i8))))
    /// let wasm = b"\0asm\x01\0\0\0\x01\x0c\x02\x60\x01\x7f\x00\x4e\x02\x5f\x00\x5e\x78\x00";
    /// let mut builder = ModuleTypes::builder();
    /// for payload in wasmparser::Parser::new(0).parse_all(wasm) {
    ///     if let wasmparser::Payload::TypeSection(reader) = payload? {
    ///         for group in reader {
    ///             builder.wasmparser_rec_group(&group?)?;
    ///         }
    ///     }
    /// }
    /// let module = builder.build()?;
    /// assert_eq!((module.len(), module.rec_group_count()), (3, 2));
    /// # Ok::<(), RegistryError>(())
    /// ```
    pub fn wasmparser_rec_group(&mut self, group: &wp::RecGroup) -> Result<ModuleTypeIndex, RegistryError> {
        let types = convert_group(group.types(), self.next_index().as_u32(), self.rec_group_count())?;
        Ok(self.rec_group(types))
    }
}
