//! Bytes → a module → `ModuleInfo::from_wasm` → `register_module` →
//! queries, with wasmparser's validator as the oracle.
//!
//! The module is the input itself when it starts with the binary magic
//! `\0asm` (the seed corpus, and what mutation makes of it). Otherwise the
//! input describes a module: with an odd first byte wasm-smith makes one
//! from the rest (GC, exact references, shared types, shared tables and
//! globals); with an even one the crate's proposal generator
//! (`wasm_type_shapes::proposal_gen`: descriptor pairs, continuations,
//! exact references, shared types) reads the rest as its choice stream.
//!
//! What must hold:
//! - `from_wasm` accepts exactly the modules wasmparser validates (function
//!   bodies aside, which `from_wasm` documents it does not check); it is
//!   called first, so the run's `-malloc_limit_mb` bounds what any input
//!   makes it allocate;
//! - an accepted module registers, and each of its imports and exports
//!   has an engine form that matches itself;
//! - two of its types share an index exactly when wasmparser gives them the
//!   same canonical type id;
//! - `is_subtype` agrees with wasmparser's supertype chains;
//! - registering it again gives the same indices;
//! - once every handle is dropped the registry is empty.
//!
//! At exit the target prints how many inputs it read as modules and how
//! many of those carried each proposal's types.
#![no_main]

use std::collections::HashMap;

use arbitrary::Unstructured;
use libfuzzer_sys::fuzz_target;
use wasm_type_registry::{ModuleInfo, RegistryError, EngineTypeIndex, TypeRegistry};
use wasm_type_shapes::census::{Census, ProposalUse};
use wasm_type_shapes::{check_self_link, encode, proposal_gen, validate_without_bodies, Choices};
use wasmparser::types::{CoreTypeId, TypesRef};

/// At most this many types take part in the quadratic `is_subtype` check.
const SUBTYPE_SAMPLE: usize = 48;

static CENSUS: Census = Census::new("from_wasm");

fn is_wasmparser_subtype(types: &TypesRef<'_>, mut a: CoreTypeId, b: CoreTypeId) -> bool {
    loop {
        if a == b {
            return true;
        }
        match types.supertype_of(a) {
            Some(sup) => a = sup,
            None => return false,
        }
    }
}

/// `from_wasm`'s own refusal of a count larger than the bytes present. It
/// comes before wasmparser sees the count; the oracle is plain wasmparser,
/// which would reserve memory by that count (up to 96 MB for a rec group,
/// what this target found first), and such an input cannot be valid.
fn refused_by_declared_count(error: &RegistryError) -> bool {
    error.to_string().contains(" declares ")
}

/// The module an input stands for, if it makes one.
fn module_bytes(input: &[u8]) -> Option<Vec<u8>> {
    if input.starts_with(b"\0asm") {
        return Some(input.to_vec());
    }
    let (&first, rest) = input.split_first()?;
    if first % 2 == 1 {
        let config = wasm_smith::Config {
            gc_enabled: true,
            custom_descriptors_enabled: true,
            shared_everything_threads_enabled: true,
            max_funcs: 4,
            max_instructions: 16,
            ..wasm_smith::Config::default()
        };
        let module = wasm_smith::Module::new(config, &mut Unstructured::new(rest)).ok()?;
        Some(module.to_bytes())
    } else {
        let choices: Vec<u32> = rest.iter().map(|&b| u32::from(b)).collect();
        Some(encode(&proposal_gen::module(&mut Choices::new(&choices))))
    }
}

fuzz_target!(init: CENSUS.print_at_exit(), |input: &[u8]| {
    let Some(bytes) = module_bytes(input) else {
        CENSUS.record(None);
        return;
    };
    let ours = ModuleInfo::from_wasm(&bytes);
    if ours.as_ref().is_err_and(refused_by_declared_count) {
        CENSUS.record(None);
        return;
    }
    let theirs = validate_without_bodies(&bytes);
    let (info, types) = match (ours, theirs) {
        (Ok(info), Ok(types)) => (info, types),
        (Err(_), Err(_)) => {
            CENSUS.record(None);
            return;
        }
        (Ok(_), Err(e)) => panic!("from_wasm accepted a module wasmparser refuses: {e}"),
        (Err(e), Ok(_)) => panic!("from_wasm refused a module wasmparser accepts: {e}"),
    };
    CENSUS.record(Some(ProposalUse::of_module(&info)));
    let module = &info.types;
    let types = types.as_ref();
    assert_eq!(module.len() as u32, types.core_type_count_in_module());
    let registry = TypeRegistry::new();
    let first = registry.register_module(module).unwrap_or_else(|e| panic!("a valid module did not register: {e}"));
    if let Err(e) = check_self_link(&registry, &first, &info) {
        panic!("{e}");
    }
    let shared: Vec<EngineTypeIndex> = first.engine_types().to_vec();
    assert_eq!(shared.len(), module.len());
    let ids: Vec<CoreTypeId> = (0..module.len() as u32).map(|i| types.core_type_at_in_module(i)).collect();

    // Equal indices exactly when wasmparser's canonical ids are equal: the
    // two maps must be functions of each other.
    let mut by_id: HashMap<CoreTypeId, EngineTypeIndex> = HashMap::new();
    let mut by_index: HashMap<EngineTypeIndex, CoreTypeId> = HashMap::new();
    for (i, (&s, &id)) in shared.iter().zip(&ids).enumerate() {
        assert_eq!(*by_id.entry(id).or_insert(s), s, "type {i}: wasmparser's {id:?} has two engine indices");
        assert_eq!(*by_index.entry(s).or_insert(id), id, "type {i}: {s:?} stands for two wasmparser types");
    }

    let sample = &shared.iter().zip(&ids).take(SUBTYPE_SAMPLE).collect::<Vec<_>>();
    for &(&a, &ida) in sample {
        assert!(registry.borrow(a).is_some());
        for &(&b, &idb) in sample {
            assert_eq!(
                registry.is_subtype(a, b),
                is_wasmparser_subtype(&types, ida, idb),
                "is_subtype({a:?}, {b:?}) disagrees with wasmparser ({ida:?}, {idb:?})"
            );
        }
    }

    let second = registry.register_module(module).expect("a registered module registers again");
    assert_eq!(second.engine_types(), &shared[..]);
    drop((first, second));
    assert_eq!(registry.len(), 0);
    assert_eq!(registry.stats().rec_groups, 0);
    for &s in shared.iter().take(SUBTYPE_SAMPLE) {
        assert!(registry.borrow(s).is_none(), "{s:?} still registered after the last drop");
    }
});
