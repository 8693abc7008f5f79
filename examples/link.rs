//! A linker in a few lines: reads binary modules in order, registers their
//! types in one registry, and checks each module's imports against the
//! exports of the modules before it, as a runtime's linker would before
//! instantiating. A module is importable under its file name without the
//! extension (`runtime.wasm` exports as `"runtime"`).
//!
//! ```text
//! cargo run --example link -- runtime.wasm program.wasm
//! ```
//!
//! Prints one line per import (`ok` or the error, which names the matching
//! rule that failed and both types), and exits with status 1 if any import
//! does not link.

use std::collections::HashMap;
use std::path::Path;
use std::process::ExitCode;

use wasm_type_registry::{ExternType, ModuleInfo, RegistryError, TypeCollection, TypeRegistry};

/// A loaded module: its exports in engine form, and the registration that
/// keeps their types alive.
struct Loaded {
    exports: HashMap<String, ExternType>,
    _types: TypeCollection,
}

fn load(
    registry: &TypeRegistry,
    loaded: &HashMap<String, Loaded>,
    bytes: &[u8],
) -> Result<(Loaded, usize), RegistryError> {
    let info = ModuleInfo::from_wasm(bytes)?;
    let types = registry.register_module(&info.types)?;
    let mut failures = 0;
    for import in &info.imports {
        let expected = types.engine_extern_type(&import.ty)?;
        let found = loaded.get(&import.module).and_then(|m| m.exports.get(&import.name));
        let verdict = match found {
            None => Err(format!("no module before this one exports {}.{}", import.module, import.name)),
            Some(export) => registry.check_import(export, &expected).map_err(|e| e.to_string()),
        };
        match verdict {
            Ok(()) => println!("  import {}.{} {}: ok", import.module, import.name, import.ty),
            Err(why) => {
                failures += 1;
                println!("  import {}.{}: {why}", import.module, import.name);
            }
        }
    }
    let exports = info
        .exports
        .iter()
        .map(|export| Ok((export.name.clone(), types.engine_extern_type(&export.ty)?)))
        .collect::<Result<_, RegistryError>>()?;
    Ok((Loaded { exports, _types: types }, failures))
}

fn main() -> ExitCode {
    let paths: Vec<String> = std::env::args().skip(1).collect();
    if paths.is_empty() {
        eprintln!("usage: link FILE.wasm... (each module links against the ones before it)");
        return ExitCode::from(2);
    }
    let registry = TypeRegistry::new();
    let mut loaded = HashMap::new();
    let mut failures = 0;
    for path in &paths {
        let name = Path::new(path).file_stem().map_or(path.clone(), |s| s.to_string_lossy().into_owned());
        println!("{path} (as {name:?}):");
        let bytes = match std::fs::read(path) {
            Ok(bytes) => bytes,
            Err(e) => {
                eprintln!("{path}: {e}");
                return ExitCode::from(2);
            }
        };
        match load(&registry, &loaded, &bytes) {
            Ok((module, failed)) => {
                failures += failed;
                loaded.insert(name, module);
            }
            Err(e) => {
                println!("  refused: {e}");
                failures += 1;
            }
        }
    }
    println!("{} types registered; {failures} problem(s)", registry.len());
    if failures == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
