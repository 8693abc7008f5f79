//! Reads binary Wasm modules and components, registers every core module's
//! types in one registry, and prints what it found:
//!
//! ```text
//! cargo run --release --example inspect -- FILE.wasm...
//! ```
//!
//! For each core module (a file, or each core module embedded in a
//! component, nested components included): its rec groups (count, sizes),
//! its deepest chain of declared supertypes, how many of its types were
//! already registered by earlier modules (hash-consing across modules), and
//! how long reading and registering took. Modules stay registered until the
//! end, so later files dedup against all earlier ones.
//!
//! Without real compiler output at hand, write the generated shapes as
//! binary files and inspect those:
//!
//! ```text
//! cargo run --release --example inspect -- --write-shapes DIR
//! cargo run --release --example inspect -- DIR/*.wasm
//! ```

use std::collections::HashSet;
use std::ops::Range;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use wasm_type_registry::{
    EngineTypeIndex, ModuleInfo, ModuleTypes, RegistryError, TypeCollection, TypeRef, TypeRegistry,
};

/// What inspecting one core module found.
#[derive(Debug)]
struct Report {
    /// The file, and for a module inside a component its position there.
    label: String,
    types: usize,
    rec_groups: usize,
    largest_group: usize,
    singleton_groups: usize,
    /// The most declared supertypes above any one type.
    deepest_chain: usize,
    /// Types whose engine index an earlier module already had.
    already_registered: usize,
    /// How many types the registry gained (trampoline types included).
    newly_registered: usize,
    parse: Duration,
    register: Duration,
}

/// The byte ranges of the core modules in `bytes`: the whole input for a
/// core module; for a component, every core module it embeds, at any depth.
fn core_modules(bytes: &[u8]) -> Result<Vec<Range<usize>>, wasmparser::BinaryReaderError> {
    let mut modules = Vec::new();
    for payload in wasmparser::Parser::new(0).parse_all(bytes) {
        match payload? {
            // The parser then walks the nested module's or component's own
            // payloads; a nested module's ModuleSection never occurs, and
            // nested components' modules are reported here too.
            wasmparser::Payload::ModuleSection { unchecked_range, .. } => {
                modules.push(unchecked_range.start as usize..unchecked_range.end as usize)
            }
            wasmparser::Payload::Version { encoding: wasmparser::Encoding::Module, .. } if modules.is_empty() => {
                // A core module at the top level (nested ones are recorded
                // by their ModuleSection before their Version).
                return Ok(std::iter::once(0..bytes.len()).collect());
            }
            _ => {}
        }
    }
    Ok(modules)
}

/// The longest chain of declared supertypes above any type.
fn deepest_chain(module: &ModuleTypes) -> usize {
    let mut depth = vec![0usize; module.len()];
    for (i, ty) in module.types().iter().enumerate() {
        if let Some(TypeRef::Module(sup)) = ty.supertype {
            // Validation guarantees the supertype comes earlier.
            depth[i] = depth[sup.as_usize()] + 1;
        }
    }
    depth.into_iter().max().unwrap_or(0)
}

/// Inspects one core module and keeps its types registered in `kept`.
fn inspect(
    registry: &TypeRegistry,
    known: &mut HashSet<EngineTypeIndex>,
    kept: &mut Vec<TypeCollection>,
    label: String,
    bytes: &[u8],
) -> Result<Report, RegistryError> {
    let start = Instant::now();
    let module = ModuleInfo::from_wasm(bytes)?.types;
    let parse = start.elapsed();
    let before = registry.len();
    let start = Instant::now();
    let collection = registry.register_module(&module)?;
    let register = start.elapsed();
    let already_registered = collection.engine_types().iter().filter(|index| known.contains(index)).count();
    known.extend(collection.engine_types());
    let sizes: Vec<usize> = module.rec_groups().map(|(_, group)| group.len()).collect();
    let report = Report {
        label,
        types: module.len(),
        rec_groups: module.rec_group_count(),
        largest_group: sizes.iter().copied().max().unwrap_or(0),
        singleton_groups: sizes.iter().filter(|&&n| n == 1).count(),
        deepest_chain: deepest_chain(&module),
        already_registered,
        newly_registered: registry.len().saturating_sub(before),
        parse,
        register,
    };
    kept.push(collection);
    Ok(report)
}

/// Inspects every core module of every file, in order; an unreadable file
/// or module is reported and skipped.
/// `kept` receives the modules' registered types, so that they stay
/// registered as long as the caller wants.
fn inspect_files(
    registry: &TypeRegistry,
    paths: &[String],
    kept: &mut Vec<TypeCollection>,
) -> (Vec<Report>, Vec<String>) {
    let mut known = HashSet::new();
    let (mut reports, mut errors) = (Vec::new(), Vec::new());
    for path in paths {
        let bytes = match std::fs::read(path) {
            Ok(bytes) => bytes,
            Err(e) => {
                errors.push(format!("{path}: {e}"));
                continue;
            }
        };
        let modules = match core_modules(&bytes) {
            Ok(modules) => modules,
            Err(e) => {
                errors.push(format!("{path}: {}", RegistryError::from(e)));
                continue;
            }
        };
        let nested = modules.len() != 1 || modules[0] != (0..bytes.len());
        for (i, range) in modules.into_iter().enumerate() {
            let label = if nested { format!("{path}#core{i}") } else { path.clone() };
            match inspect(registry, &mut known, kept, label.clone(), &bytes[range]) {
                Ok(report) => reports.push(report),
                Err(e) => errors.push(format!("{label}: {e}")),
            }
        }
    }
    (reports, errors)
}

fn print_table(reports: &[Report]) {
    println!(
        "{:<40} {:>8} {:>8} {:>8} {:>10} {:>6} {:>9} {:>8} {:>11} {:>11}",
        "module", "types", "groups", "largest", "singletons", "depth", "already", "new", "parse", "register"
    );
    for r in reports {
        println!(
            "{:<40} {:>8} {:>8} {:>8} {:>10} {:>6} {:>9} {:>8} {:>11.3?} {:>11.3?}",
            r.label,
            r.types,
            r.rec_groups,
            r.largest_group,
            r.singleton_groups,
            r.deepest_chain,
            r.already_registered,
            r.newly_registered,
            r.parse,
            r.register
        );
    }
}

/// A component that embeds `modules` as core modules (the binary format by
/// hand: the component preamble, then one core module section each).
fn component_of(modules: &[&[u8]]) -> Vec<u8> {
    let mut bytes = b"\0asm\x0d\x00\x01\x00".to_vec();
    for module in modules {
        const CORE_MODULE_SECTION: u8 = 1;
        bytes.push(CORE_MODULE_SECTION);
        let mut len = module.len();
        loop {
            let byte = (len & 0x7f) as u8;
            len >>= 7;
            bytes.push(if len == 0 { byte } else { byte | 0x80 });
            if len == 0 {
                break;
            }
        }
        bytes.extend_from_slice(module);
    }
    bytes
}

/// Writes the generated shapes as binary files: the dart2wasm-like group,
/// the same with 20,000 function bodies (about 4 MB, the size of real
/// dart2wasm output), 3,500 singleton groups, and a component embedding
/// the first and the third.
fn write_shapes(dir: &std::path::Path) -> std::io::Result<Vec<std::path::PathBuf>> {
    use wasm_type_shapes as shapes;
    std::fs::create_dir_all(dir)?;
    let dart = shapes::encode(&shapes::dart2wasm_like(1));
    let singletons = shapes::encode(&shapes::singleton_groups(2, 3_500));
    let files = [
        ("dart2wasm-like.wasm", dart.clone()),
        ("dart2wasm-like-with-code.wasm", shapes::encode_with_functions(&shapes::dart2wasm_like(1), 20_000, 200)),
        ("singletons-3500.wasm", singletons.clone()),
        ("component.wasm", component_of(&[&dart, &singletons])),
    ];
    files
        .into_iter()
        .map(|(name, bytes)| {
            let path = dir.join(name);
            std::fs::write(&path, bytes)?;
            Ok(path)
        })
        .collect()
}

fn main() -> ExitCode {
    let paths: Vec<String> = std::env::args().skip(1).collect();
    if let [flag, dir] = &paths[..] {
        if flag == "--write-shapes" {
            return match write_shapes(dir.as_ref()) {
                Ok(files) => {
                    files.iter().for_each(|f| println!("{}", f.display()));
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("error: {dir}: {e}");
                    ExitCode::FAILURE
                }
            };
        }
    }
    if paths.is_empty() {
        eprintln!("usage: inspect FILE.wasm...\n       inspect --write-shapes DIR");
        return ExitCode::from(2);
    }
    let registry = TypeRegistry::new();
    let mut kept = Vec::new();
    let (reports, errors) = inspect_files(&registry, &paths, &mut kept);
    print_table(&reports);
    println!(
        "\n{} core modules, {} types, {} distinct types registered (trampoline types included)",
        reports.len(),
        reports.iter().map(|r| r.types).sum::<usize>(),
        registry.len()
    );
    drop(kept);
    assert_eq!(registry.len(), 0, "dropping every module's types empties the registry");
    println!("columns: largest = biggest rec group; depth = deepest chain of declared supertypes;");
    println!("already = types an earlier module had registered; new = types the registry gained");
    for e in &errors {
        eprintln!("error: {e}");
    }
    if errors.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_type_shapes as shapes;

    /// A fresh directory under the system's temporary directory, removed
    /// when dropped.
    struct TempDir(std::path::PathBuf);

    impl TempDir {
        fn new(name: &str) -> Self {
            let dir = std::env::temp_dir().join(format!("wasm-type-registry-{name}-{}", std::process::id()));
            std::fs::create_dir_all(&dir).unwrap();
            TempDir(dir)
        }

        fn write(&self, name: &str, bytes: &[u8]) -> String {
            let path = self.0.join(name);
            std::fs::write(&path, bytes).unwrap();
            path.to_string_lossy().into_owned()
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn encoded_shapes_dedup_across_files() {
        let dir = TempDir::new("inspect-shapes");
        let dart = dir.write("dart.wasm", &shapes::encode(&shapes::dart2wasm_like(1)));
        let singletons = dir.write("singletons.wasm", &shapes::encode(&shapes::singleton_groups(2, 3_500)));
        let registry = TypeRegistry::new();
        let paths = [dart.clone(), singletons, dart];
        let (reports, errors) = inspect_files(&registry, &paths, &mut Vec::new());
        assert!(errors.is_empty(), "{errors:?}");
        let [d, s, again] = &reports[..] else { panic!("{reports:?}") };
        assert_eq!((d.types, d.rec_groups, d.largest_group, d.singleton_groups), (8_497, 1, 8_497, 0));
        assert!((5..=9).contains(&d.deepest_chain), "{d:?}");
        assert_eq!((d.already_registered, s.already_registered), (0, 0));
        assert!(d.newly_registered >= d.types);
        assert_eq!((s.types, s.rec_groups, s.singleton_groups, s.largest_group), (3_500, 3_500, 3_500, 1));
        // The same file again: every type is already there, nothing new.
        assert_eq!((again.already_registered, again.newly_registered), (again.types, 0));
        drop(reports);
    }

    #[test]
    fn components_are_walked_for_their_core_modules() {
        let dir = TempDir::new("inspect-component");
        let component = shapes::wat(
            r#"(component
            (core module $a
              (rec (type $node (sub (struct (field (ref null $node))))) (type (func (param (ref $node))))))
            (component $inner
              (core module $b
                (rec (type $node (sub (struct (field (ref null $node))))) (type (func (param (ref $node)))))
                (type (sub final 0 (struct (field (ref null 0)) (field i32))))))
            (core module $c (type (func (param i32) (result i32)))))"#,
        );
        let path = dir.write("component.wasm", &component);
        let plain = dir.write("plain.wasm", &shapes::wat("(module (type (func (param i32) (result i32))))"));
        let registry = TypeRegistry::new();
        let (reports, errors) = inspect_files(&registry, &[path.clone(), plain.clone()], &mut Vec::new());
        assert!(errors.is_empty(), "{errors:?}");
        let labels: Vec<&str> = reports.iter().map(|r| r.label.as_str()).collect();
        assert_eq!(labels, [format!("{path}#core0"), format!("{path}#core1"), format!("{path}#core2"), plain]);
        let [a, b, c, p] = &reports[..] else { panic!() };
        assert_eq!((a.types, a.rec_groups, a.already_registered), (2, 1, 0));
        // $b repeats $a's rec group and adds a subtype of its struct.
        assert_eq!((b.types, b.rec_groups, b.deepest_chain, b.already_registered), (3, 2, 1, 2));
        assert_eq!((c.types, c.already_registered), (1, 0));
        assert_eq!((p.types, p.already_registered, p.newly_registered), (1, 1, 0));
    }

    #[test]
    fn written_shapes_component_dedups_against_the_plain_files() {
        let dir = TempDir::new("inspect-written");
        let files: Vec<String> =
            write_shapes(&dir.0).unwrap().iter().map(|p| p.to_string_lossy().into_owned()).collect();
        let registry = TypeRegistry::new();
        let (reports, errors) = inspect_files(&registry, &files, &mut Vec::new());
        assert!(errors.is_empty(), "{errors:?}");
        let [dart, with_code, singletons, in_component @ ..] = &reports[..] else { panic!("{reports:?}") };
        assert_eq!((with_code.types, with_code.already_registered), (dart.types, dart.types));
        assert_eq!(in_component.len(), 2);
        assert_eq!((in_component[0].types, in_component[1].types), (dart.types, singletons.types));
        for r in in_component {
            assert!(r.label.contains("component.wasm#core"), "{}", r.label);
            assert_eq!((r.already_registered, r.newly_registered), (r.types, 0));
        }
    }

    #[test]
    fn unreadable_modules_are_reported_not_fatal() {
        let dir = TempDir::new("inspect-errors");
        let bad = dir.write("bad.wasm", b"\0asm\x01\0\0\0\x01\x05\x01\x60\x01");
        let good = dir.write("good.wasm", &shapes::wat("(module (type (func)))"));
        let missing = dir.0.join("missing.wasm").to_string_lossy().into_owned();
        let registry = TypeRegistry::new();
        let (reports, errors) = inspect_files(&registry, &[bad, missing, good], &mut Vec::new());
        assert_eq!(reports.len(), 1);
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(errors[0].contains("bad.wasm") && errors[0].contains("offset"), "{errors:?}");
    }
}
