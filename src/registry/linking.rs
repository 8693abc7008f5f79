//! What a linker checks: the external types of a module (functions,
//! tables, memories, globals, tags) and import matching as the spec defines
//! it, answered by the registry.
//!
//! An [`ExternType`] is in *module form* while its type references are
//! module type indices (as a module declares its imports and definitions;
//! with the `wasmparser` feature, [`ModuleInfo`](crate::ModuleInfo) reads
//! them from a binary) and in *engine form* once they are the registry's
//! engine indices. [`TypeCollection::engine_extern_type`] converts the one
//! into the other in one call, once the module's types are registered;
//! [`TypeRegistry::check_import`] compares engine forms, so that an export
//! of one module can satisfy an import of another.
//!
//! # Examples
//! ```
//! use wasm_type_registry::*;
//!
//! let registry = TypeRegistry::new();
//! let anyref = ValType::Ref(RefType::nullable(AbstractHeapType::Any));
//! let eqref = ValType::Ref(RefType::nullable(AbstractHeapType::Eq));
//! let base = SubType { is_final: false, ..SubType::func([], [anyref]) };
//!
//! // The exporter: (type $f (sub (func (result anyref))))
//! //               (type $g (sub final $f (func (result eqref))))
//! //               (func (export "g") (type $g) ...)
//! let mut builder = ModuleTypes::builder();
//! let f = builder.sub_type(base.clone());
//! let g = builder.sub_type(SubType { supertype: Some(TypeRef::Module(f)), ..SubType::func([], [eqref]) });
//! let exporter_types = builder.build()?;
//! let exporter = registry.register_module(&exporter_types)?;
//! let export = exporter.engine_extern_type(&exporter_types.extern_type(ExternType::Func(TypeRef::Module(g))))?;
//!
//! // The importer: (type $f (sub (func (result anyref))))
//! //               (import "m" "g" (func (type $f)))
//! let mut builder = ModuleTypes::builder();
//! let f = builder.sub_type(base);
//! let importer_types = builder.build()?;
//! let importer = registry.register_module(&importer_types)?;
//! let import = importer.engine_extern_type(&importer_types.extern_type(ExternType::Func(TypeRef::Module(f))))?;
//! // Both modules' $f are one type in the registry, and $g declares it.
//! registry.check_import(&export, &import)?;
//!
//! // Not the other way round; the error names the rule and both types.
//! let err = registry.check_import(&import, &export).unwrap_err();
//! assert!(matches!(err, LinkError::IncompatibleImport { rule: ImportRule::FuncSubtype, .. }));
//! assert!(err.to_string().contains("(result anyref)"), "{err}");
//! # Ok::<(), RegistryError>(())
//! ```

use std::fmt::Write;

use super::{TypeCollection, TypeRegistry};
use crate::error::{ImportRule, LinkError};
use crate::extern_types::{ExternType, GlobalType, ModuleExternType, TableType};
use crate::types::{CompositeType, HeapType, RefType, TypeRef, ValType};

impl TypeRegistry {
    /// Checks that an export of type `export` may be imported as `import`,
    /// as the spec's import matching does; both in engine form.
    ///
    /// `export` is the type of the item a linker supplies. A function
    /// instance's own type is exact, so a linker that knows which function
    /// it passes (one a module defines, a host function, or the item it
    /// bound to the import a module re-exports) passes
    /// [`ExternType::FuncExact`], as instantiation in the spec does. A
    /// module's static export types are those of
    /// [`ModuleInfo::function_type`](crate::ModuleInfo::function_type),
    /// which types a re-export of an inexact import inexactly, as
    /// wasmparser does; such a type does not satisfy an exact import.
    ///
    /// - functions: the export's type is a subtype of the import's
    ///   ([`is_subtype`](Self::is_subtype)); for an
    ///   [exact import](ExternType::FuncExact), the export is exact too
    ///   (a function its module defines or imports exactly, as
    ///   [`ModuleInfo::function_type`](crate::ModuleInfo::function_type)
    ///   types it) and of the same type;
    /// - tags: the types are equivalent (equal engine indices);
    /// - tables: the same address type and sharing, equivalent element
    ///   types, and limits that [match](crate::Limits::matches);
    /// - memories: the same address type, sharing and page size, and
    ///   matching limits;
    /// - globals: the same sharing and mutability; an immutable global's
    ///   value type is a subtype of the import's ([`matches`](Self::matches)),
    ///   a mutable one's is equivalent.
    ///
    /// # Errors
    /// - [`LinkError::IncompatibleImport`] naming the [`ImportRule`]
    ///   that failed and printing both types in the text format (a function
    ///   or tag type with its signature);
    /// - [`LinkError::NotEngineForm`] if either type refers to a type by
    ///   a module or rec-group index.
    ///
    /// # Examples
    /// ```
    /// use wasm_type_registry::*;
    ///
    /// let registry = TypeRegistry::new();
    /// let memory = |min, max| ExternType::Memory(MemoryType {
    ///     memory64: false,
    ///     shared: false,
    ///     page_size_log2: MemoryType::DEFAULT_PAGE_SIZE_LOG2,
    ///     limits: Limits { min, max },
    /// });
    /// registry.check_import(&memory(2, Some(4)), &memory(1, Some(8)))?;
    /// let err = registry.check_import(&memory(2, None), &memory(1, Some(8))).unwrap_err();
    /// assert_eq!(
    ///     err.to_string(),
    ///     "incompatible import type: the maximum size must be present and at most the imported maximum: \
    ///      export (memory 2), import (memory 1 8)"
    /// );
    /// # Ok::<(), RegistryError>(())
    /// ```
    pub fn check_import(&self, export: &ExternType, import: &ExternType) -> Result<(), LinkError> {
        export.check_engine_form()?;
        import.check_engine_form()?;
        self.import_rule(export, import).map_err(|rule| LinkError::IncompatibleImport {
            rule,
            export: self.describe(export),
            import: self.describe(import),
        })
    }

    /// The first import-matching rule that `export` fails for `import`.
    /// Both are in engine form, so equivalence is equality.
    fn import_rule(&self, export: &ExternType, import: &ExternType) -> Result<(), ImportRule> {
        let require = |ok: bool, rule| if ok { Ok(()) } else { Err(rule) };
        match (export, import) {
            (ExternType::FuncExact(e), ExternType::FuncExact(i)) => require(e == i, ImportRule::FuncExact),
            (ExternType::Func(_), ExternType::FuncExact(_)) => Err(ImportRule::FuncExactExport),
            (ExternType::Func(e) | ExternType::FuncExact(e), ExternType::Func(i)) => {
                let subtype = match (e.as_engine(), i.as_engine()) {
                    (Some(e), Some(i)) => self.is_subtype(e, i),
                    _ => false,
                };
                require(subtype, ImportRule::FuncSubtype)
            }
            (ExternType::Tag(e), ExternType::Tag(i)) => require(e == i, ImportRule::TagEquivalent),
            (ExternType::Table(e), ExternType::Table(i)) => {
                require(e.table64 == i.table64, ImportRule::TableAddressType)?;
                require(e.shared == i.shared, ImportRule::TableShared)?;
                require(e.element == i.element, ImportRule::TableElementEquivalent)?;
                e.limits.check(&i.limits)
            }
            (ExternType::Memory(e), ExternType::Memory(i)) => {
                require(e.memory64 == i.memory64, ImportRule::MemoryAddressType)?;
                require(e.shared == i.shared, ImportRule::MemoryShared)?;
                require(e.page_size_log2 == i.page_size_log2, ImportRule::MemoryPageSize)?;
                e.limits.check(&i.limits)
            }
            (ExternType::Global(e), ExternType::Global(i)) => {
                require(e.shared == i.shared, ImportRule::GlobalShared)?;
                require(e.mutable == i.mutable, ImportRule::GlobalMutability)?;
                if e.mutable {
                    require(e.content == i.content, ImportRule::MutableGlobalEquivalent)
                } else {
                    let subtype = self.matches(&e.content, &i.content).unwrap_or(false);
                    require(subtype, ImportRule::ImmutableGlobalSubtype)
                }
            }
            _ => Err(ImportRule::Kind),
        }
    }

    /// An external type in the text format, with the signature of a
    /// function or tag type spelled out when the registry has it:
    /// `(func (type engine:3) (param i32))`.
    fn describe(&self, ty: &ExternType) -> String {
        let (ExternType::Func(TypeRef::Engine(index))
        | ExternType::FuncExact(TypeRef::Engine(index))
        | ExternType::Tag(TypeRef::Engine(index))) = *ty
        else {
            return ty.to_string();
        };
        let Some(sub_type) = self.borrow(index) else {
            return format!("({} (type engine:{index}) (;not registered;))", ty.kind_name());
        };
        let exact = matches!(ty, ExternType::FuncExact(_));
        let mut text = format!("({} {}(type engine:{index})", ty.kind_name(), if exact { "(exact " } else { "" });
        match &sub_type.composite {
            CompositeType::Func(func) => text.push_str(&func.signature()),
            other => {
                let _ = write!(text, " (;not a function type: {other};)");
            }
        }
        text.push_str(if exact { "))" } else { ")" });
        text
    }
}

impl TypeCollection {
    /// The engine form of a module type reference: a module index becomes
    /// its engine index; an engine index stays as it is.
    fn engine_type_ref(&self, reference: TypeRef) -> Result<TypeRef, LinkError> {
        match reference {
            TypeRef::Module(index) => {
                self.engine_type(index).map(TypeRef::Engine).ok_or_else(|| LinkError::ModuleIndexOutOfRange {
                    index: index.as_u32(),
                    num_types: u32::try_from(self.len()).unwrap_or(u32::MAX),
                })
            }
            TypeRef::Engine(_) => Ok(reference),
            TypeRef::RecGroup(_) => Err(LinkError::NotEngineForm { reference }),
        }
    }

    /// The engine form of a heap type of this collection's module: the
    /// module index of a concrete or exact reference becomes its engine
    /// index.
    ///
    /// Like [`engine_type`](Self::engine_type), and unlike
    /// [`engine_extern_type`](Self::engine_extern_type), this takes the
    /// caller's word that `ty` is in this module's form: a heap, reference
    /// or value type carries no module identity, and another module's
    /// index would be read as this module's. A compiler converting the
    /// types of one module's code keeps that module's collection at hand;
    /// a linker converts imports and exports, which are tied to their
    /// module, with [`engine_extern_type`](Self::engine_extern_type).
    ///
    /// # Errors
    /// [`LinkError::ModuleIndexOutOfRange`] for an index the module does
    /// not define; [`LinkError::NotEngineForm`] for a rec-group-relative
    /// reference, which has no meaning outside its rec group.
    pub fn engine_heap_type(&self, ty: HeapType) -> Result<HeapType, LinkError> {
        ty.map_ref(|reference| self.engine_type_ref(reference))
    }

    /// The engine form of a reference type of this collection's module.
    ///
    /// # Errors
    /// As [`engine_heap_type`](Self::engine_heap_type).
    pub fn engine_ref_type(&self, ty: RefType) -> Result<RefType, LinkError> {
        Ok(RefType { nullable: ty.nullable, heap_type: self.engine_heap_type(ty.heap_type)? })
    }

    /// The engine form of a value type of this collection's module.
    ///
    /// # Errors
    /// As [`engine_heap_type`](Self::engine_heap_type).
    ///
    /// # Examples
    /// ```
    /// use wasm_type_registry::*;
    ///
    /// let registry = TypeRegistry::new();
    /// let mut builder = ModuleTypes::builder();
    /// let point = builder.sub_type(SubType::struct_(true, None, []));
    /// let types = registry.register_module(&builder.build()?)?;
    ///
    /// let module_form = ValType::Ref(RefType::concrete(true, TypeRef::Module(point)));
    /// let shared = types.engine_val_type(module_form)?;
    /// let index = types.engine_type(point).unwrap();
    /// assert_eq!(shared, ValType::Ref(RefType::concrete(true, TypeRef::Engine(index))));
    /// assert_eq!(shared.to_string(), format!("(ref null engine:{index})"));
    /// # Ok::<(), RegistryError>(())
    /// ```
    pub fn engine_val_type(&self, ty: ValType) -> Result<ValType, LinkError> {
        Ok(match ty {
            ValType::Ref(r) => ValType::Ref(self.engine_ref_type(r)?),
            numeric => numeric,
        })
    }

    /// The engine form of an import's or definition's type in this
    /// collection's module, ready for [`TypeRegistry::check_import`].
    ///
    /// # Errors
    /// [`LinkError::OtherModule`] if `ty` is another module's (the
    /// collection was not registered from the [`ModuleTypes`](crate::ModuleTypes)
    /// that tied it); otherwise as [`engine_heap_type`](Self::engine_heap_type).
    pub fn engine_extern_type(&self, ty: &ModuleExternType) -> Result<ExternType, LinkError> {
        if ty.module != self.module {
            return Err(LinkError::OtherModule { ty: ty.ty });
        }
        Ok(match ty.ty {
            ExternType::Func(r) => ExternType::Func(self.engine_type_ref(r)?),
            ExternType::FuncExact(r) => ExternType::FuncExact(self.engine_type_ref(r)?),
            ExternType::Tag(r) => ExternType::Tag(self.engine_type_ref(r)?),
            ExternType::Table(t) => ExternType::Table(TableType { element: self.engine_ref_type(t.element)?, ..t }),
            ExternType::Global(g) => ExternType::Global(GlobalType { content: self.engine_val_type(g.content)?, ..g }),
            ExternType::Memory(m) => ExternType::Memory(m),
        })
    }
}
