//! Bytes → `ModuleTypes::from_wasm` → `register_module` → queries, with
//! wasmparser's validator as the oracle:
//! - `from_wasm` accepts exactly the modules wasmparser validates (function
//!   bodies aside, which `from_wasm` documents it does not check); it is
//!   called first, so the run's `-malloc_limit_mb` bounds what any input
//!   makes it allocate;
//! - an accepted module registers;
//! - two of its types share an index exactly when wasmparser gives them the
//!   same canonical type id;
//! - `is_subtype` agrees with wasmparser's supertype chains;
//! - registering it again gives the same indices;
//! - once every handle is dropped the registry is empty.
#![no_main]

use std::collections::HashMap;

use libfuzzer_sys::fuzz_target;
use wasm_type_registry::{ModuleTypes, RegistryError, SharedTypeIndex, TypeRegistry};
use wasmparser::types::{CoreTypeId, Types, TypesRef};

/// At most this many types take part in the quadratic `is_subtype` check.
const SUBTYPE_SAMPLE: usize = 48;

/// wasmparser's verdict, validating every section and skipping function
/// bodies, written here independently of the crate's walk.
fn oracle(bytes: &[u8]) -> Result<Types, wasmparser::BinaryReaderError> {
    let mut validator = wasmparser::Validator::new_with_features(ModuleTypes::WASM_FEATURES);
    for payload in wasmparser::Parser::new(0).parse_all(bytes) {
        if let wasmparser::ValidPayload::End(types) = validator.payload(&payload?)? {
            return Ok(types);
        }
    }
    unreachable!("parse_all ends with End or an error")
}

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

fuzz_target!(|bytes: &[u8]| {
    let ours = ModuleTypes::from_wasm(bytes);
    if ours.as_ref().is_err_and(refused_by_declared_count) {
        return;
    }
    let theirs = oracle(bytes);
    let (module, types) = match (ours, theirs) {
        (Ok(module), Ok(types)) => (module, types),
        (Err(_), Err(_)) => return,
        // Valid, but a type the model does not express yet (shared
        // composite types): refused by name, which is what the docs promise.
        (Err(RegistryError::Unsupported { .. }), Ok(_)) => return,
        (Ok(_), Err(e)) => panic!("from_wasm accepted a module wasmparser refuses: {e}"),
        (Err(e), Ok(_)) => panic!("from_wasm refused a module wasmparser accepts: {e}"),
    };
    let types = types.as_ref();
    assert_eq!(module.len() as u32, types.core_type_count_in_module());
    let registry = TypeRegistry::new();
    let first = registry.register_module(&module).unwrap_or_else(|e| panic!("a valid module did not register: {e}"));
    let shared: Vec<SharedTypeIndex> = first.shared_types().to_vec();
    assert_eq!(shared.len(), module.len());
    let ids: Vec<CoreTypeId> = (0..module.len() as u32).map(|i| types.core_type_at_in_module(i)).collect();

    // Equal indices exactly when wasmparser's canonical ids are equal: the
    // two maps must be functions of each other.
    let mut by_id: HashMap<CoreTypeId, SharedTypeIndex> = HashMap::new();
    let mut by_index: HashMap<SharedTypeIndex, CoreTypeId> = HashMap::new();
    for (i, (&s, &id)) in shared.iter().zip(&ids).enumerate() {
        assert_eq!(*by_id.entry(id).or_insert(s), s, "type {i}: wasmparser's {id:?} has two shared indices");
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

    let second = registry.register_module(&module).expect("a registered module registers again");
    assert_eq!(second.shared_types(), &shared[..]);
    drop((first, second));
    assert_eq!(registry.len(), 0);
    assert_eq!(registry.stats().rec_groups, 0);
    for &s in shared.iter().take(SUBTYPE_SAMPLE) {
        assert!(registry.borrow(s).is_none(), "{s:?} still registered after the last drop");
    }
});
