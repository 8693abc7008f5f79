//! The external types of a module (functions, tables, memories, globals,
//! tags), as its imports and exports carry them, in module form or in
//! engine form (see [`TypeCollection::engine_extern_type`](crate::TypeCollection::engine_extern_type)).
//! Import matching over them is [`TypeRegistry::check_import`](crate::TypeRegistry::check_import).

use std::ops::Deref;

use crate::error::{ImportRule, LinkError};
use crate::module::ModuleId;
use crate::subtyping::check_engine_form;
use crate::types::{HeapType, RefType, TypeRef, ValType};

/// The size limits of a table or memory: a minimum and an optional
/// maximum, in elements or pages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Limits {
    /// The minimum size.
    pub min: u64,
    /// The maximum size, if any.
    pub max: Option<u64>,
}

impl Limits {
    /// Whether an export with limits `self` satisfies an import with limits
    /// `import`: at least the import's minimum and, if the import has a
    /// maximum, a maximum no larger.
    ///
    /// # Examples
    /// ```
    /// use wasm_type_registry::Limits;
    ///
    /// let import = Limits { min: 1, max: Some(10) };
    /// assert!(Limits { min: 2, max: Some(5) }.matches(&import));
    /// assert!(!Limits { min: 2, max: None }.matches(&import));
    /// assert!(!Limits { min: 0, max: Some(5) }.matches(&import));
    /// ```
    pub fn matches(&self, import: &Limits) -> bool {
        self.check(import).is_ok()
    }

    pub(crate) fn check(&self, import: &Limits) -> Result<(), ImportRule> {
        if self.min < import.min {
            return Err(ImportRule::LimitsMinimum);
        }
        match (self.max, import.max) {
            (_, None) => Ok(()),
            (Some(max), Some(limit)) if max <= limit => Ok(()),
            _ => Err(ImportRule::LimitsMaximum),
        }
    }
}

/// A table's type.
///
/// # Examples
/// A shared table (shared-everything threads) of shared function
/// references, as a module declares it and as the text format prints it.
/// ```
/// use wasm_type_registry::*;
///
/// // (module (table (export "t") shared 1 (ref null (shared func))))
/// let info = ModuleInfo::from_wasm(b"\0asm\x01\0\0\0\x04\x06\x01\x63\x65\x70\x02\x01\x07\x05\x01\x01t\x01\x00")?;
/// let table = info.tables[0];
/// assert!(table.shared);
/// assert_eq!(table.to_string(), "(table shared 1 (ref null (shared func)))");
/// # Ok::<(), RegistryError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TableType {
    /// The type of the table's elements.
    pub element: RefType,
    /// Whether the table is addressed with `i64` (memory64 proposal).
    pub table64: bool,
    /// Whether the table is shared between threads (shared-everything
    /// threads proposal); a shared table's element type is shared.
    pub shared: bool,
    /// The size limits, in elements.
    pub limits: Limits,
}

/// A memory's type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MemoryType {
    /// Whether the memory is addressed with `i64` (memory64 proposal).
    pub memory64: bool,
    /// Whether the memory is shared between threads (threads proposal).
    pub shared: bool,
    /// The base-2 logarithm of the page size: 16 (64 KiB) unless the
    /// custom-page-sizes proposal says otherwise.
    pub page_size_log2: u32,
    /// The size limits, in pages.
    pub limits: Limits,
}

impl MemoryType {
    /// The page size of every memory without a custom page size: 64 KiB.
    pub const DEFAULT_PAGE_SIZE_LOG2: u32 = 16;
}

/// A global's type.
///
/// # Examples
/// A shared global (shared-everything threads) satisfies only a shared
/// import, and an unshared one only an unshared import.
/// ```
/// use wasm_type_registry::*;
///
/// let registry = TypeRegistry::new();
/// let global = |shared| ExternType::Global(GlobalType { content: ValType::I32, mutable: true, shared });
/// assert_eq!(global(true).to_string(), "(global (shared mut i32))");
/// registry.check_import(&global(true), &global(true))?;
/// let err = registry.check_import(&global(false), &global(true)).unwrap_err();
/// assert!(matches!(err, LinkError::IncompatibleImport { rule: ImportRule::GlobalShared, .. }));
/// assert_eq!(
///     err.to_string(),
///     "incompatible import type: a global must be shared exactly when the imported one is: \
///      export (global (mut i32)), import (global (shared mut i32))"
/// );
/// # Ok::<(), RegistryError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct GlobalType {
    /// The type of the global's value.
    pub content: ValType,
    /// Whether the global can be written.
    pub mutable: bool,
    /// Whether the global is shared between threads (shared-everything
    /// threads proposal); a shared global's value type is shared.
    pub shared: bool,
}

/// The type of an import or export.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ExternType {
    /// A function, by its type (a function type): an export of a function
    /// whose type is this one or a subtype of it.
    Func(TypeRef),
    /// `(func (exact (type $t)))` (custom descriptors proposal): a
    /// function whose type is exactly `$t`. As an import's type, no
    /// subtype will do, and only an exact export satisfies it; as an
    /// export's type, the function is one its module defines or imports
    /// exactly ([`ModuleInfo::function_type`](crate::ModuleInfo::function_type)).
    FuncExact(TypeRef),
    /// A table.
    Table(TableType),
    /// A memory.
    Memory(MemoryType),
    /// A global.
    Global(GlobalType),
    /// An exception tag, by its type (a function type without results).
    Tag(TypeRef),
}

impl ExternType {
    /// The kind of item, as the text format names it (`func`, `table`,
    /// `memory`, `global`, `tag`).
    pub fn kind_name(&self) -> &'static str {
        match self {
            ExternType::Func(_) | ExternType::FuncExact(_) => "func",
            ExternType::Table(_) => "table",
            ExternType::Memory(_) => "memory",
            ExternType::Global(_) => "global",
            ExternType::Tag(_) => "tag",
        }
    }

    /// `Ok` if every type reference is an engine index.
    pub(crate) fn check_engine_form(&self) -> Result<(), LinkError> {
        match self {
            ExternType::Func(r) | ExternType::FuncExact(r) | ExternType::Tag(r) => {
                check_engine_form(&HeapType::Concrete(*r))
            }
            ExternType::Table(t) => check_engine_form(&t.element),
            ExternType::Global(g) => check_engine_form(&g.content),
            ExternType::Memory(_) => Ok(()),
        }
    }
}

/// An [`ExternType`] in module form, tied to the module whose types its
/// [`TypeRef::Module`] indices name: [`ModuleInfo`](crate::ModuleInfo)'s
/// imports and exports, or what [`ModuleTypes::extern_type`](crate::ModuleTypes::extern_type)
/// makes of a type built by hand.
///
/// Module indices mean nothing outside their module: type 0 of one module
/// is any type at all in another. So the one conversion to engine form,
/// [`TypeCollection::engine_extern_type`](crate::TypeCollection::engine_extern_type),
/// takes this type and refuses it with [`LinkError::OtherModule`]
/// unless the collection was registered from the same module. It reads as
/// the [`ExternType`] it wraps (`Deref`), compares equal to it and prints
/// as it does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ModuleExternType {
    pub(crate) module: ModuleId,
    pub(crate) ty: ExternType,
}

impl Deref for ModuleExternType {
    type Target = ExternType;

    fn deref(&self) -> &ExternType {
        &self.ty
    }
}

impl PartialEq<ExternType> for ModuleExternType {
    fn eq(&self, other: &ExternType) -> bool {
        self.ty == *other
    }
}

impl PartialEq<ModuleExternType> for ExternType {
    fn eq(&self, other: &ModuleExternType) -> bool {
        *self == other.ty
    }
}

impl std::fmt::Display for ModuleExternType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.ty.fmt(f)
    }
}
