//! What a linker needs from a binary module besides its types: imports,
//! exports, and the types of the function, table, memory, global and tag
//! index spaces, in module form (cargo feature `wasmparser`).
//!
//! [`ModuleInfo::from_wasm`] reads everything in one validating walk
//! ([`read_module`](crate::binary::read_module)), which checks every
//! section but the function bodies (those are the runtime compiler's job),
//! bounds what the input can make it allocate, and collects imports and
//! exports as each section validates. Once the module's types are
//! registered,
//! [`TypeCollection::engine_extern_type`](crate::TypeCollection::engine_extern_type)
//! turns any of these types into engine form for
//! [`TypeRegistry::check_import`](crate::TypeRegistry::check_import).

use ::wasmparser as wp;

use crate::error::RegistryError;
use crate::extern_types::{ExternType, GlobalType, Limits, MemoryType, ModuleExternType, TableType};
use crate::module::ModuleTypes;
use crate::types::{ModuleTypeIndex, RefType, TypeRef, ValType};

/// A module's imports, exports and index spaces, in module form: every
/// type reference is a [`TypeRef::Module`] index into [`types`](Self::types).
///
/// Each index space lists the imported items first, then the module's own
/// definitions, as the spec numbers them.
///
/// # Examples
/// Link two modules: the second imports the first's function.
/// ```
/// use wasm_type_registry::*;
///
/// // (module (type (func (param i32))) (func (export "f") (type 0)))
/// let exporter = b"\0asm\x01\0\0\0\x01\x05\x01\x60\x01\x7f\x00\x03\x02\x01\x00\
///                  \x07\x05\x01\x01f\x00\x00\x0a\x04\x01\x02\x00\x0b";
/// // (module (type (func (param i32))) (import "m" "f" (func (type 0))))
/// let importer = b"\0asm\x01\0\0\0\x01\x05\x01\x60\x01\x7f\x00\x02\x07\x01\x01m\x01f\x00\x00";
///
/// let registry = TypeRegistry::new();
/// let exporter = ModuleInfo::from_wasm(exporter)?;
/// let importer = ModuleInfo::from_wasm(importer)?;
/// let (exporter_types, importer_types) =
///     (registry.register_module(&exporter.types)?, registry.register_module(&importer.types)?);
///
/// let import = &importer.imports[0];
/// assert_eq!((import.module.as_str(), import.name.as_str()), ("m", "f"));
/// let export = exporter.exports.iter().find(|e| e.name == import.name).unwrap();
/// registry.check_import(
///     &exporter_types.engine_extern_type(&export.ty)?,
///     &importer_types.engine_extern_type(&import.ty)?,
/// )?;
/// # Ok::<(), RegistryError>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ModuleInfo {
    /// The module's types: its type section, converted once the whole
    /// module has validated.
    pub types: ModuleTypes,
    /// The imports, in order.
    pub imports: Vec<Import>,
    /// The exports, in order.
    pub exports: Vec<Export>,
    /// The function index space: each function's type.
    pub functions: Vec<ModuleTypeIndex>,
    /// The table index space.
    pub tables: Vec<TableType>,
    /// The memory index space.
    pub memories: Vec<MemoryType>,
    /// The global index space.
    pub globals: Vec<GlobalType>,
    /// The tag index space: each tag's type.
    pub tags: Vec<ModuleTypeIndex>,
    /// The functions imported with an inexact type, ascending: every other
    /// function (defined here, or imported exactly) has exactly its type.
    inexact_functions: Vec<u32>,
}

/// One import of a module.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Import {
    /// The module name it is imported from.
    pub module: String,
    /// The item's name within that module.
    pub name: String,
    /// What the module expects, in module form.
    pub ty: ModuleExternType,
}

/// One export of a module.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Export {
    /// The export's name.
    pub name: String,
    /// The exported item's index in its index space (which one, the type's
    /// kind says).
    pub index: u32,
    /// The exported item's type, in module form.
    pub ty: ModuleExternType,
}

fn module_ref(index: u32) -> TypeRef {
    TypeRef::Module(ModuleTypeIndex::from_u32(index))
}

fn limits(min: u64, max: Option<u64>) -> Limits {
    Limits { min, max }
}

/// wasmparser's table type, for an engine that validates with wasmparser
/// itself; its element type in module form.
impl TryFrom<wp::TableType> for TableType {
    type Error = RegistryError;

    fn try_from(ty: wp::TableType) -> Result<Self, RegistryError> {
        Ok(TableType {
            element: RefType::try_from(ty.element_type)?,
            table64: ty.table64,
            shared: ty.shared,
            limits: limits(ty.initial, ty.maximum),
        })
    }
}

/// wasmparser's memory type, for an engine that validates with wasmparser
/// itself.
impl From<wp::MemoryType> for MemoryType {
    fn from(ty: wp::MemoryType) -> Self {
        MemoryType {
            memory64: ty.memory64,
            shared: ty.shared,
            page_size_log2: ty.page_size_log2.unwrap_or(MemoryType::DEFAULT_PAGE_SIZE_LOG2),
            limits: limits(ty.initial, ty.maximum),
        }
    }
}

/// wasmparser's global type, for an engine that validates with wasmparser
/// itself; its value type in module form.
impl TryFrom<wp::GlobalType> for GlobalType {
    type Error = RegistryError;

    fn try_from(ty: wp::GlobalType) -> Result<Self, RegistryError> {
        Ok(GlobalType { content: ValType::try_from(ty.content_type)?, mutable: ty.mutable, shared: ty.shared })
    }
}

/// wasmparser's import type, in module form: what [`Import::ty`] holds for
/// it. For an engine that runs wasmparser's `Validator` itself and so
/// needs no second validating pass (see [`ModuleInfo::from_wasm`] for the
/// one pass that reads everything).
///
/// # Examples
/// ```
/// use wasm_type_registry::*;
///
/// let import = wasmparser::TypeRef::Global(wasmparser::GlobalType {
///     content_type: wasmparser::ValType::I32,
///     mutable: true,
///     shared: false,
/// });
/// let ty = ExternType::try_from(import)?;
/// assert_eq!(ty, ExternType::Global(GlobalType { content: ValType::I32, mutable: true, shared: false }));
/// assert_eq!(ty.to_string(), "(global (mut i32))");
/// # Ok::<(), RegistryError>(())
/// ```
impl TryFrom<wp::TypeRef> for ExternType {
    type Error = RegistryError;

    fn try_from(ty: wp::TypeRef) -> Result<Self, RegistryError> {
        Ok(match ty {
            wp::TypeRef::Func(index) => ExternType::Func(module_ref(index)),
            wp::TypeRef::FuncExact(index) => ExternType::FuncExact(module_ref(index)),
            wp::TypeRef::Table(table) => ExternType::Table(table.try_into()?),
            wp::TypeRef::Memory(memory) => ExternType::Memory(memory.into()),
            wp::TypeRef::Global(global) => ExternType::Global(global.try_into()?),
            wp::TypeRef::Tag(tag) => ExternType::Tag(module_ref(tag.func_type_idx)),
        })
    }
}

impl ModuleInfo {
    /// Reads a binary core module's types, imports, exports and index
    /// spaces, validating the module first, in one pass over the module.
    ///
    /// What is checked, in this order, stopping at the first problem:
    /// - the header and the framing of every section (sizes, order, no
    ///   bytes past a section's end, no truncation);
    /// - that no section declares more items than it has bytes (so that no
    ///   allocation is sized by a count the input made up);
    /// - every section *except the function bodies*, as wasmparser's
    ///   validator checks it with [`ModuleTypes::WASM_FEATURES`] (Wasm 3.0,
    ///   [`WasmFeatures::WASM3`]: GC, function references, exceptions, tail
    ///   calls, memory64, ...; plus custom descriptors, stack switching and
    ///   shared-everything threads): the type section (including declared
    ///   supertypes and subtyping depth), imports, function declarations,
    ///   tables, memories and their limits, tags, globals and their constant
    ///   initializers, exports, the start function, element and data
    ///   segments, the data count, that the code section has one body per
    ///   declared function, and wasmparser's size limits (1,000,000 types,
    ///   1,000,000 functions, ...);
    /// - the crate's own module checks
    ///   ([`ModuleTypesBuilder::build`](crate::ModuleTypesBuilder::build)).
    ///
    /// Not checked: the instructions inside function bodies (each body is
    /// only framed). That is the compiler's job; a runtime runs
    /// wasmparser's function validator on each body as it compiles it.
    ///
    /// Imports and exports are read as their sections validate; the type
    /// section is converted into [`types`](Self::types) only once the whole
    /// module has validated.
    ///
    /// # Cost
    /// Time and memory grow linearly with the input's size, on both the
    /// success and the error path, and a refused module costs no more than
    /// its valid twin: validation stops at the first error, and no type is
    /// converted before the whole module has validated.
    ///
    /// No count the input declares sizes an allocation beyond the bytes
    /// present: a section that declares more items than it has bytes, or a
    /// rec group more types than its section has bytes left, is refused
    /// before wasmparser (which reserves by declared counts, up to its
    /// limits) sees the count. Inside one type, wasmparser's limits bound
    /// what a count can reserve to 8 KB (1,000 results). The rest of the
    /// memory is wasmparser's validator state and what is read (types,
    /// imports, exports, index spaces), in proportion to what the input
    /// really holds. `docs/reliability.md` ("Untrusted modules") has the
    /// measured figures.
    ///
    /// # Errors
    /// - [`RegistryError::InvalidTypeSection`] for a type section that does
    ///   not decode or that the validator refuses, naming the type, its rec
    ///   group and the byte offset;
    /// - [`RegistryError::InvalidWasm`] for a bad header, broken or
    ///   truncated sections, a count larger than its section, any other
    ///   section the validator refuses (an import of a type that is not a
    ///   function type, an export out of range, a shared global of an
    ///   unshared value type, ...), or a component (walk a component's core
    ///   modules with [`wasmparser::Parser`] and read each with this
    ///   function);
    /// - [`RegistryError::Unsupported`] for types this model cannot express
    ///   (none of them validates with the features above);
    /// - [`RegistryError::Type`] for any error of
    ///   [`ModuleTypesBuilder::build`](crate::ModuleTypesBuilder::build).
    ///
    /// # Examples
    /// ```
    /// use wasm_type_registry::*;
    ///
    /// // (module (type (func (param i32) (result i64))))
    /// let wasm = b"\0asm\x01\0\0\0\x01\x06\x01\x60\x01\x7f\x01\x7e";
    /// let module = ModuleInfo::from_wasm(wasm)?.types;
    /// assert_eq!(module.types(), [SubType::func([ValType::I32], [ValType::I64])]);
    ///
    /// // (module (type (func)) (type (func (param (ref 2))))): no type 2.
    /// let wasm = b"\0asm\x01\0\0\0\x01\x09\x02\x60\0\0\x60\x01\x64\x02\0";
    /// let err = ModuleInfo::from_wasm(wasm).unwrap_err();
    /// assert!(matches!(err, RegistryError::InvalidTypeSection { type_index: 1, rec_group: 1, .. }));
    /// assert!(err.to_string().contains("type 1 (rec group 1)"), "{err}");
    ///
    /// // A type section that declares 4,294,967,295 rec groups in 5 bytes.
    /// let wasm = b"\0asm\x01\0\0\0\x01\x05\xff\xff\xff\xff\x0f";
    /// let err = ModuleInfo::from_wasm(wasm).unwrap_err();
    /// assert!(err.to_string().contains("declares 4294967295 rec groups"), "{err}");
    /// # Ok::<(), RegistryError>(())
    /// ```
    ///
    /// [`WasmFeatures::WASM3`]: ::wasmparser::WasmFeatures::WASM3
    pub fn from_wasm(bytes: &[u8]) -> Result<ModuleInfo, RegistryError> {
        let mut info = ModuleInfo::default();
        // Each payload reaches `read_section` after it validated. Imports
        // and exports are tied to `info.types`' identity as they are read,
        // and the module's types take that identity over.
        let types = crate::binary::read_module(bytes, |payload| info.read_section(payload))?;
        info.types = types.with_id(info.types.id());
        Ok(info)
    }

    /// The type of function `index` as an export carries it, if there is
    /// such a function: [`ExternType::FuncExact`] for a function this
    /// module defines or imports with an exact type,
    /// [`ExternType::Func`] for one imported with an inexact type (its
    /// provider's type may be a subtype). wasmparser types exports the same
    /// way under [`ModuleTypes::WASM_FEATURES`], which include custom
    /// descriptors.
    ///
    /// # Examples
    /// ```
    /// use wasm_type_registry::*;
    ///
    /// // (module (type (func)) (import "m" "f" (func (type 0)))
    /// //         (func (type 0)) (export "g" (func 0)) (export "h" (func 1)))
    /// let bytes = b"\0asm\x01\0\0\0\x01\x04\x01\x60\0\0\x02\x07\x01\x01m\x01f\x00\x00\x03\x02\x01\x00\
    ///               \x07\x09\x02\x01g\x00\x00\x01h\x00\x01\x0a\x04\x01\x02\x00\x0b";
    /// let info = ModuleInfo::from_wasm(bytes)?;
    /// let t = TypeRef::Module(ModuleTypeIndex::from_u32(0));
    /// assert_eq!(info.function_type(0).unwrap(), ExternType::Func(t));
    /// assert_eq!(info.function_type(1).unwrap(), ExternType::FuncExact(t));
    /// assert_eq!(info.exports[0].ty, ExternType::Func(t)); // a re-export
    /// assert_eq!(info.exports[1].ty, ExternType::FuncExact(t));
    /// assert_eq!(info.function_type(2), None);
    /// # Ok::<(), RegistryError>(())
    /// ```
    pub fn function_type(&self, index: u32) -> Option<ModuleExternType> {
        Some(self.types.extern_type(self.function_extern_type(index)?))
    }

    /// [`function_type`](Self::function_type), not yet tied to the module.
    fn function_extern_type(&self, index: u32) -> Option<ExternType> {
        let ty = TypeRef::Module(*self.functions.get(usize::try_from(index).ok()?)?);
        Some(match self.inexact_functions.binary_search(&index) {
            Ok(_) => ExternType::Func(ty),
            Err(_) => ExternType::FuncExact(ty),
        })
    }

    /// Adds what one (validated) section declares.
    fn read_section(&mut self, payload: &wp::Payload<'_>) -> Result<(), RegistryError> {
        match payload {
            wp::Payload::ImportSection(reader) => {
                for import in reader.clone().into_imports() {
                    let import = import?;
                    let ty = self.declare(import.ty)?;
                    let ty = self.types.extern_type(ty);
                    self.imports.push(Import { module: import.module.to_string(), name: import.name.to_string(), ty });
                }
            }
            wp::Payload::FunctionSection(reader) => {
                for ty in reader.clone() {
                    self.functions.push(ModuleTypeIndex::from_u32(ty?));
                }
            }
            wp::Payload::TableSection(reader) => {
                for table in reader.clone() {
                    self.tables.push(table?.ty.try_into()?);
                }
            }
            wp::Payload::MemorySection(reader) => {
                for memory in reader.clone() {
                    self.memories.push(memory?.into());
                }
            }
            wp::Payload::GlobalSection(reader) => {
                for global in reader.clone() {
                    self.globals.push(global?.ty.try_into()?);
                }
            }
            wp::Payload::TagSection(reader) => {
                for tag in reader.clone() {
                    self.tags.push(ModuleTypeIndex::from_u32(tag?.func_type_idx));
                }
            }
            wp::Payload::ExportSection(reader) => {
                // The validator has checked every index already; this only
                // keeps a broken invariant from becoming a panic.
                let offset = usize::try_from(reader.range().start).unwrap_or(usize::MAX);
                for export in reader.clone() {
                    let export = export?;
                    let ty = self.item_type(export.kind, export.index).ok_or_else(|| RegistryError::InvalidWasm {
                        offset,
                        message: format!("export {:?} refers to a missing item", export.name),
                    })?;
                    let ty = self.types.extern_type(ty);
                    self.exports.push(Export { name: export.name.to_string(), index: export.index, ty });
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// Adds an import to its index space; returns its type.
    fn declare(&mut self, ty: wp::TypeRef) -> Result<ExternType, RegistryError> {
        let ty = ExternType::try_from(ty)?;
        match ty {
            ExternType::Func(TypeRef::Module(index)) => {
                let function = u32::try_from(self.functions.len()).unwrap_or(u32::MAX);
                self.inexact_functions.push(function);
                self.functions.push(index);
            }
            ExternType::FuncExact(TypeRef::Module(index)) => self.functions.push(index),
            ExternType::Table(table) => self.tables.push(table),
            ExternType::Memory(memory) => self.memories.push(memory),
            ExternType::Global(global) => self.globals.push(global),
            ExternType::Tag(TypeRef::Module(index)) => self.tags.push(index),
            // The conversion gives module indices only.
            ExternType::Func(_) | ExternType::FuncExact(_) | ExternType::Tag(_) => {}
        }
        Ok(ty)
    }

    /// The type of item `index` of an index space, if there is one.
    fn item_type(&self, kind: wp::ExternalKind, index: u32) -> Option<ExternType> {
        let index = index as usize;
        Some(match kind {
            wp::ExternalKind::Func | wp::ExternalKind::FuncExact => {
                self.function_extern_type(u32::try_from(index).ok()?)?
            }
            wp::ExternalKind::Table => ExternType::Table(*self.tables.get(index)?),
            wp::ExternalKind::Memory => ExternType::Memory(*self.memories.get(index)?),
            wp::ExternalKind::Global => ExternType::Global(*self.globals.get(index)?),
            wp::ExternalKind::Tag => ExternType::Tag(TypeRef::Module(*self.tags.get(index)?)),
        })
    }
}
