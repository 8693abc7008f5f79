//! wasm-smith modules with the shared-everything threads, GC and custom
//! descriptors proposals on: `ModuleInfo::from_wasm` accepts exactly the
//! modules wasmparser accepts (every section validated with
//! `ModuleTypes::WASM_FEATURES`, function bodies not), and every module it
//! accepts registers and links with itself: each export's type, in shared
//! form, satisfies an import of the same type.
//!
//! ```text
//! cargo test -p wasm-type-shapes --test smith_differential -- --nocapture
//! SMITH_MODULES=200000 cargo test --release -p wasm-type-shapes --test smith_differential -- --nocapture
//! ```
//!
//! 10,000 modules by default (`SMITH_MODULES` sets the count), each from
//! its own seed, so a failure names the seed that reproduces it.

use arbitrary::Unstructured;
use wasm_type_registry::{ModuleInfo, TypeRegistry};
use wasm_type_shapes::census::{Census, ProposalUse};
use wasm_type_shapes::{check_self_link, validate_without_bodies, Rng};

const DEFAULT_MODULES: u64 = 10_000;

fn config() -> wasm_smith::Config {
    wasm_smith::Config {
        gc_enabled: true,
        custom_descriptors_enabled: true,
        shared_everything_threads_enabled: true,
        // Small modules: the types, imports and exports are what is
        // compared, and function bodies are not read.
        max_types: 24,
        max_funcs: 4,
        max_instructions: 8,
        max_imports: 12,
        max_exports: 12,
        max_globals: 12,
        max_tables: 4,
        max_memories: 2,
        ..wasm_smith::Config::default()
    }
}

/// The module of one seed: wasm-smith reads its choices from the seed's
/// random bytes.
fn module_of(seed: u64, config: &wasm_smith::Config) -> Vec<u8> {
    let mut rng = Rng::new(seed);
    let data: Vec<u8> = (0..128 + rng.below(1024)).map(|_| rng.next_u64() as u8).collect();
    let module = wasm_smith::Module::new(config.clone(), &mut Unstructured::new(&data))
        .unwrap_or_else(|e| panic!("seed {seed}: wasm-smith made no module: {e}"));
    module.to_bytes()
}

/// Reads, registers and self-links one module wasmparser accepts.
fn read_and_link(registry: &TypeRegistry, bytes: &[u8]) -> Result<ModuleInfo, String> {
    let info = ModuleInfo::from_wasm(bytes).map_err(|e| format!("from_wasm refused a valid module: {e}"))?;
    let types = registry.register_module(&info.types).map_err(|e| format!("did not register: {e}"))?;
    check_self_link(registry, &types, &info)?;
    Ok(info)
}

#[test]
fn from_wasm_accepts_what_wasmparser_accepts() {
    let modules = std::env::var("SMITH_MODULES")
        .map(|n| n.parse().expect("SMITH_MODULES is a number of modules"))
        .unwrap_or(DEFAULT_MODULES);
    let config = config();
    let registry = TypeRegistry::new();
    let census = Census::new("smith_differential");
    let (mut refused, mut shared_items) = (0u64, 0u64);
    for seed in 0..modules {
        let bytes = module_of(seed, &config);
        match (validate_without_bodies(&bytes), ModuleInfo::from_wasm(&bytes)) {
            (Ok(_), _) => {
                let info = read_and_link(&registry, &bytes).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
                shared_items +=
                    u64::from(info.tables.iter().any(|t| t.shared) || info.globals.iter().any(|g| g.shared));
                census.record(Some(ProposalUse::of_module(&info)));
            }
            (Err(_), Err(_)) => {
                refused += 1;
                census.record(None);
            }
            (Err(e), Ok(_)) => panic!("seed {seed}: from_wasm accepted a module wasmparser refuses: {e}"),
        }
        assert!(registry.is_empty(), "seed {seed}: types left registered");
    }
    println!("{census}; shared tables or globals {shared_items}; refused by both {refused}");
    let [_, read, exact, _, _, shared] = census.counts();
    // Not vacuous: wasm-smith makes valid modules, and they use the
    // proposals' types.
    assert!(read * 10 >= modules * 9, "only {read} of {modules} modules were valid");
    for (what, n) in [("exact references", exact), ("shared types", shared)] {
        assert!(n > 0, "none of {read} modules has {what}");
    }
    assert!(shared_items * 100 >= read, "only {shared_items} of {read} modules have shared tables or globals");
}
