//! The linking API end to end: two modules shaped like a GC compiler's
//! output (a class hierarchy, a runtime module exporting functions, a
//! table, a memory, globals and a tag, a program importing them) read with
//! `ModuleInfo::from_wasm`, registered, converted to engine form and linked
//! with `TypeRegistry::check_import`; then every import-matching rule
//! broken once, each error checked for the rule and both types.

use wasm_type_registry::{
    ExternType, GlobalType, ImportRule, Limits, LinkError, MemoryType, ModuleInfo, ModuleTypeIndex, RegistryError,
    TableType, TypeCollection, TypeRef, TypeRegistry, ValType,
};

use crate::common::wat;

/// The class hierarchy both modules declare, as separate compilation units
/// of one program would: `$Object`, `$String <: $Object`, a method type
/// over `$Object` and one that narrows its result.
const CLASSES: &str = r#"
  (rec
    (type $Object (sub (struct (field $hash (mut i32)))))
    (type $method (sub (func (param (ref null $Object)) (result (ref null $Object)))))
    (type $vtable (sub (struct (field (ref $method))))))
  (type $bytes (array (mut i8)))
  (type $String (sub final $Object (struct (field (mut i32)) (field (ref $bytes)))))
  (type $string_method (sub final $method (func (param (ref null $Object)) (result (ref null $String)))))
"#;

fn runtime() -> Vec<u8> {
    wat(&format!(
        r#"(module
          {CLASSES}
          (type $throwable (func (param (ref null $Object))))
          (func (export "to_string") (type $string_method) (ref.null none))
          (func (export "identity") (type $method) (local.get 0))
          (table (export "dispatch") 16 64 (ref null $method))
          (memory (export "memory") 1 4)
          (global (export "empty") (ref null $String) (ref.null none))
          (global (export "counter") (mut i32) (i32.const 0))
          (tag (export "exception") (type $throwable))
        )"#
    ))
}

fn program(imports: &str) -> Vec<u8> {
    wat(&format!(
        r#"(module
          {CLASSES}
          (type $throwable (func (param (ref null $Object))))
          {imports}
          (func $main)
          (export "main" (func $main))
        )"#
    ))
}

/// Everything the program takes from the runtime, each with a type the
/// runtime's export satisfies.
const GOOD_IMPORTS: &str = r#"
  (import "rt" "to_string" (func $to_string (type $method)))
  (import "rt" "identity" (func $identity (type $method)))
  (import "rt" "dispatch" (table 8 (ref null $method)))
  (import "rt" "memory" (memory 1))
  (import "rt" "empty" (global $empty (ref null $Object)))
  (import "rt" "counter" (global $counter (mut i32)))
  (import "rt" "exception" (tag $exception (type $throwable)))
"#;

struct Linked {
    registry: TypeRegistry,
    runtime: ModuleInfo,
    runtime_types: TypeCollection,
}

impl Linked {
    fn new() -> Self {
        let registry = TypeRegistry::new();
        let runtime = ModuleInfo::from_wasm(&runtime()).unwrap();
        let runtime_types = registry.register_module(&runtime.types).unwrap();
        Linked { registry, runtime, runtime_types }
    }

    /// Links `program`'s imports against the runtime's exports; the first
    /// error, if any.
    fn link(&self, program: &[u8]) -> Result<usize, RegistryError> {
        let info = ModuleInfo::from_wasm(program)?;
        let types = self.registry.register_module(&info.types)?;
        for import in &info.imports {
            assert_eq!(import.module, "rt");
            let export = self.runtime.exports.iter().find(|e| e.name == import.name).expect("exported");
            self.registry.check_import(
                &self.runtime_types.engine_extern_type(&export.ty)?,
                &types.engine_extern_type(&import.ty)?,
            )?;
        }
        Ok(info.imports.len())
    }

    fn refuse(&self, import: &str) -> RegistryError {
        self.link(&program(import)).expect_err(import)
    }
}

#[test]
fn a_program_links_against_its_runtime() {
    let linked = Linked::new();
    assert_eq!(linked.link(&program(GOOD_IMPORTS)).unwrap(), 7);

    // The index spaces, imports first: the program's one function follows
    // its two imported ones.
    let info = ModuleInfo::from_wasm(&program(GOOD_IMPORTS)).unwrap();
    assert_eq!(info.functions.len(), 3);
    assert_eq!((info.tables.len(), info.memories.len(), info.globals.len(), info.tags.len()), (1, 1, 2, 1));
    let main = &info.exports[0];
    assert_eq!((main.name.as_str(), main.index), ("main", 2));
    assert_eq!(main.ty, ExternType::FuncExact(TypeRef::Module(info.functions[2])));
    assert_eq!(
        info.memories[0],
        MemoryType { memory64: false, shared: false, page_size_log2: 16, limits: Limits { min: 1, max: None } }
    );
    assert_eq!(info.globals[1], GlobalType { content: ValType::I32, mutable: true, shared: false });
    assert_eq!(info.imports[2].ty.to_string(), "(table 8 (ref null 1))");

    // The runtime's exported table, in both forms.
    let dispatch = linked.runtime.exports.iter().find(|e| e.name == "dispatch").unwrap();
    let method = linked.runtime_types.engine_type(ModuleTypeIndex::from_u32(1)).unwrap();
    assert_eq!(dispatch.ty.to_string(), "(table 16 64 (ref null 1))");
    assert_eq!(
        linked.runtime_types.engine_extern_type(&dispatch.ty).unwrap().to_string(),
        format!("(table 16 64 (ref null engine:{method}))")
    );
}

/// Each rule once: the error names it, says "incompatible import type" as
/// the spec's `assert_unlinkable` does, and prints both types.
#[test]
fn every_broken_rule_is_named_with_both_types() {
    let linked = Linked::new();
    let cases: [(&str, ImportRule, &[&str]); 12] = [
        (
            // The runtime's `identity` has type $method, not the narrower one.
            r#"(import "rt" "identity" (func (type $string_method)))"#,
            ImportRule::FuncSubtype,
            &["(func (type engine:", "(param (ref null engine:", "(result (ref null engine:"],
        ),
        (r#"(import "rt" "memory" (func))"#, ImportRule::Kind, &["export (memory 1 4)", "import (func (type engine:"]),
        (
            r#"(import "rt" "dispatch" (table 8 funcref))"#,
            ImportRule::TableElementEquivalent,
            &["(table 16 64 (ref null engine:", "import (table 8 funcref)"],
        ),
        (
            r#"(import "rt" "dispatch" (table i64 8 (ref null $method)))"#,
            ImportRule::TableAddressType,
            &["import (table i64 8 (ref null engine:"],
        ),
        (
            r#"(import "rt" "dispatch" (table 32 (ref null $method)))"#,
            ImportRule::LimitsMinimum,
            &["export (table 16 64", "import (table 32 (ref null"],
        ),
        (
            r#"(import "rt" "dispatch" (table 8 32 (ref null $method)))"#,
            ImportRule::LimitsMaximum,
            &["import (table 8 32 (ref null"],
        ),
        (
            r#"(import "rt" "memory" (memory i64 1))"#,
            ImportRule::MemoryAddressType,
            &["export (memory 1 4)", "import (memory i64 1)"],
        ),
        (r#"(import "rt" "memory" (memory 1 4 shared))"#, ImportRule::MemoryShared, &["import (memory 1 4 shared)"]),
        (
            r#"(import "rt" "counter" (global i32))"#,
            ImportRule::GlobalMutability,
            &["export (global (mut i32))", "import (global i32)"],
        ),
        (
            r#"(import "rt" "counter" (global (mut i64)))"#,
            ImportRule::MutableGlobalEquivalent,
            &["import (global (mut i64))"],
        ),
        (
            // A global of the subtype $String cannot be imported as the
            // unrelated bytes array.
            r#"(import "rt" "empty" (global (ref null $bytes)))"#,
            ImportRule::ImmutableGlobalSubtype,
            &["export (global (ref null engine:", "import (global (ref null engine:"],
        ),
        (
            r#"(import "rt" "exception" (tag (param (ref null $String))))"#,
            ImportRule::TagEquivalent,
            &["(tag (type engine:", "(param (ref null engine:"],
        ),
    ];
    for (import, rule, words) in cases {
        let err = linked.refuse(import);
        assert!(
            matches!(&err, RegistryError::Link(LinkError::IncompatibleImport { rule: r, .. }) if *r == rule),
            "{import}: expected {rule:?}, got {err}"
        );
        let message = err.to_string();
        assert!(message.starts_with("incompatible import type: "), "{message}");
        assert!(message.contains(&rule.to_string()), "{message}");
        for word in words {
            assert!(message.contains(word), "{import}: {message:?} does not say {word:?}");
        }
        assert!(message.len() < 300, "{import}: {message}");
    }
    // A mutable global of a subtype is not importable as its supertype
    // either (it could be written with the supertype's values).
    let err =
        linked.link(&wat(&format!(r#"(module {CLASSES} (import "rt" "counter" (global (mut (ref null $Object)))))"#)));
    assert!(matches!(
        err,
        Err(RegistryError::Link(LinkError::IncompatibleImport { rule: ImportRule::MutableGlobalEquivalent, .. }))
    ));
}

#[test]
fn page_sizes_must_agree() {
    let registry = TypeRegistry::new();
    let memory = |page_size_log2| {
        ExternType::Memory(MemoryType {
            memory64: false,
            shared: false,
            page_size_log2,
            limits: Limits { min: 1, max: None },
        })
    };
    registry.check_import(&memory(16), &memory(16)).unwrap();
    let err = registry.check_import(&memory(0), &memory(16)).unwrap_err();
    assert!(matches!(err, LinkError::IncompatibleImport { rule: ImportRule::MemoryPageSize, .. }), "{err}");
    assert!(err.to_string().contains("export (memory 1 (pagesize 1)), import (memory 1)"), "{err}");
}

/// Shared tables and globals (shared-everything threads): `ModuleInfo`
/// reads their sharedness, and an import matches only an export of the
/// same sharedness, either way round.
#[test]
fn shared_tables_and_globals_link_only_with_their_like() {
    let exporter = ModuleInfo::from_wasm(&wat(r#"(module
          (table (export "shared table") shared 1 (ref null (shared func)))
          (table (export "table") 1 (ref null (shared func)))
          (global (export "shared global") (shared mut i32) (i32.const 0))
          (global (export "global") (mut i32) (i32.const 0)))"#))
    .unwrap();
    let importer = ModuleInfo::from_wasm(&wat(r#"(module
          (table (import "m" "shared table") shared 1 (ref null (shared func)))
          (table (import "m" "table") 1 (ref null (shared func)))
          (global (import "m" "shared global") (shared mut i32))
          (global (import "m" "global") (mut i32)))"#))
    .unwrap();
    assert_eq!(exporter.tables.iter().map(|t| t.shared).collect::<Vec<_>>(), [true, false]);
    assert_eq!(exporter.globals.iter().map(|g| g.shared).collect::<Vec<_>>(), [true, false]);
    assert_eq!(importer.imports[0].ty.to_string(), "(table shared 1 (ref null (shared func)))");
    assert_eq!(importer.imports[2].ty.to_string(), "(global (shared mut i32))");

    let registry = TypeRegistry::new();
    let exporter_types = registry.register_module(&exporter.types).unwrap();
    let importer_types = registry.register_module(&importer.types).unwrap();
    for import in &importer.imports {
        let wanted = importer_types.engine_extern_type(&import.ty).unwrap();
        for export in &exporter.exports {
            let offered = exporter_types.engine_extern_type(&export.ty).unwrap();
            let result = registry.check_import(&offered, &wanted);
            let rule = match (&offered, &wanted) {
                _ if export.name == import.name => {
                    assert_eq!(result, Ok(()), "{} for {}", export.name, import.name);
                    continue;
                }
                (ExternType::Table(_), ExternType::Table(_)) => ImportRule::TableShared,
                (ExternType::Global(_), ExternType::Global(_)) => ImportRule::GlobalShared,
                _ => ImportRule::Kind,
            };
            match result {
                Err(LinkError::IncompatibleImport { rule: found, .. }) => {
                    assert_eq!(found, rule, "{} for {}", export.name, import.name)
                }
                other => panic!("{} for {}: {other:?}", export.name, import.name),
            }
        }
    }
    let (shared_table, table) = (&importer.imports[0].ty, &exporter.exports[1].ty);
    let err = registry
        .check_import(
            &exporter_types.engine_extern_type(table).unwrap(),
            &importer_types.engine_extern_type(shared_table).unwrap(),
        )
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "incompatible import type: a table must be shared exactly when the imported one is: \
         export (table 1 (ref null (shared func))), import (table shared 1 (ref null (shared func)))"
    );
}

/// Module-form types are refused by the check, not matched by index.
#[test]
fn module_form_types_are_refused() {
    let linked = Linked::new();
    let identity = linked.runtime.exports.iter().find(|e| e.name == "identity").unwrap();
    assert!(matches!(*identity.ty, ExternType::FuncExact(TypeRef::Module(_))));
    let shared = linked.runtime_types.engine_extern_type(&identity.ty).unwrap();
    for (export, import) in [(&*identity.ty, &shared), (&shared, &*identity.ty)] {
        let err = linked.registry.check_import(export, import).unwrap_err();
        assert!(matches!(err, LinkError::NotEngineForm { reference: TypeRef::Module(_) }), "{err}");
        assert!(err.to_string().contains("(a module type index) is not an engine type index"), "{err}");
    }
    let table = TableType {
        element: wasm_type_registry::RefType::concrete(true, TypeRef::Module(ModuleTypeIndex::from_u32(0))),
        table64: false,
        shared: false,
        limits: Limits { min: 0, max: None },
    };
    let err = linked.registry.check_import(&ExternType::Table(table), &ExternType::Table(table)).unwrap_err();
    assert!(matches!(err, LinkError::NotEngineForm { .. }), "{err}");
    // A module index the module does not have.
    let tag = linked.runtime.types.extern_type(ExternType::Tag(TypeRef::Module(ModuleTypeIndex::from_u32(99))));
    let err = linked.runtime_types.engine_extern_type(&tag);
    assert!(matches!(err, Err(LinkError::ModuleIndexOutOfRange { index: 99, .. })), "{err:?}");
}

/// A module-form type names types by its own module's indices: converted
/// through another module's collection it would silently be another type
/// (here a global of the other module's type 0), so the conversion refuses
/// it. The module's own collection, one registered from a clone of its
/// types, and a second parse's (whose types are equal but are another
/// module) decide by identity, not by content.
#[test]
fn module_form_types_convert_only_through_their_own_module() {
    let global = |module: &str| ModuleInfo::from_wasm(&wat(&format!("(module (type (struct)) {module})"))).unwrap();
    let exporter = global("(global (export \"g\") (ref null 0) (ref.null 0))");
    let importer =
        ModuleInfo::from_wasm(&wat("(module (type (func)) (import \"m\" \"g\" (global (ref null 0))))")).unwrap();
    let registry = TypeRegistry::new();
    let exporter_types = registry.register_module(&exporter.types).unwrap();
    let importer_types = registry.register_module(&importer.types).unwrap();
    let export = &exporter.exports[0].ty;

    let err = importer_types.engine_extern_type(export).unwrap_err();
    assert_eq!(err, LinkError::OtherModule { ty: **export });
    assert_eq!(
        err.to_string(),
        "(global (ref null 0)) is another module's type: convert it with the TypeCollection registered from \
         the module that declares it"
    );
    // Its own module's collection, and one registered from a clone.
    let own = exporter_types.engine_extern_type(export).unwrap();
    let clone = registry.register_module(&exporter.types.clone()).unwrap();
    assert_eq!(clone.engine_extern_type(export).unwrap(), own);
    // A second parse of the same bytes has equal types, and is another module.
    let again = global("(global (export \"g\") (ref null 0) (ref.null 0))");
    assert_eq!(again.types, exporter.types);
    let err = exporter_types.engine_extern_type(&again.exports[0].ty).unwrap_err();
    assert!(matches!(err, LinkError::OtherModule { .. }), "{err}");
    // The refusal left the importer's collection as it was.
    assert!(importer_types.engine_extern_type(&importer.imports[0].ty).is_ok());
}

/// What is invalid outside the type section is refused:
/// `ModuleInfo::from_wasm` validates every section but function bodies
/// before it hands back any import or export, and names the problem and
/// where it is.
#[test]
fn invalid_imports_and_exports_are_refused() {
    let cases = [
        // An import of a type that is not a function type.
        ("(module (type (struct)) (import \"m\" \"f\" (func (type 0))))", "not a function type"),
        // An export of a function that does not exist.
        ("(module (export \"f\" (func 3)))", "unknown function 3"),
        // Two exports with one name.
        ("(module (func) (export \"f\" (func 0)) (export \"f\" (func 0)))", "duplicate export name"),
    ];
    for (text, words) in cases {
        let bytes = wat(text);
        match ModuleInfo::from_wasm(&bytes) {
            Err(RegistryError::InvalidWasm { offset, message }) => {
                assert!(message.contains(words), "{text}: {message}");
                assert!(offset > 8 && offset < bytes.len(), "{text}: offset {offset}");
            }
            other => panic!("{text}: expected InvalidWasm, got {other:?}"),
        }
    }
}

/// An engine that validates with wasmparser itself converts its imports,
/// tables, memories and globals with the `TryFrom`/`From` conversions and
/// gets exactly what `ModuleInfo::from_wasm` reads in its own pass.
#[test]
fn wasmparser_conversions_agree_with_module_info() {
    let definitions = r#"(table 2 funcref) (memory i64 0 3) (global (mut i64) (i64.const 0))
        (global (ref null $Object) (ref.null $Object))"#;
    let bytes = program(&format!("{GOOD_IMPORTS} {definitions}"));
    let info = ModuleInfo::from_wasm(&bytes).unwrap();
    let (mut imports, mut tables, mut memories, mut globals) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for payload in wasmparser::Parser::new(0).parse_all(&bytes) {
        match payload.unwrap() {
            wasmparser::Payload::ImportSection(reader) => {
                for import in reader.into_imports() {
                    imports.push(ExternType::try_from(import.unwrap().ty).unwrap());
                }
            }
            wasmparser::Payload::TableSection(reader) => {
                for table in reader {
                    tables.push(TableType::try_from(table.unwrap().ty).unwrap());
                }
            }
            wasmparser::Payload::MemorySection(reader) => {
                for memory in reader {
                    memories.push(MemoryType::from(memory.unwrap()));
                }
            }
            wasmparser::Payload::GlobalSection(reader) => {
                for global in reader {
                    globals.push(GlobalType::try_from(global.unwrap().ty).unwrap());
                }
            }
            _ => {}
        }
    }
    assert_eq!((imports.len(), tables.len(), memories.len(), globals.len()), (7, 1, 1, 2));
    assert_eq!(imports, info.imports.iter().map(|i| *i.ty).collect::<Vec<_>>());
    let imported = |f: fn(&ExternType) -> bool| imports.iter().filter(|ty| f(ty)).count();
    assert_eq!(tables, info.tables[imported(|t| matches!(t, ExternType::Table(_)))..]);
    assert_eq!(memories, info.memories[imported(|t| matches!(t, ExternType::Memory(_)))..]);
    assert_eq!(globals, info.globals[imported(|t| matches!(t, ExternType::Global(_)))..]);
}
