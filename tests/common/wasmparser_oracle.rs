//! wasmparser's validator as an independent oracle for a module's type
//! canonicalization (used by `spec_conformance` and
//! `proposal_differential`).

use wasm_type_registry::{TypeCollection, TypeRegistry};

/// wasmparser's validator as an independent oracle for one module's type
/// canonicalization: equal ids exactly when equal engine indices, and
/// supertype chains exactly when `is_subtype`.
/// Returns how many ordered pairs of types it compared.
pub fn check_canonicalization(
    registry: &TypeRegistry,
    bytes: &[u8],
    types: &TypeCollection,
    features: wasmparser::WasmFeatures,
) -> Result<usize, String> {
    let validated = wasmparser::Validator::new_with_features(features).validate_all(bytes);
    let validated = match validated {
        Ok(validated) => validated,
        // Invalid for a reason outside the types (the caller decides what
        // that means); nothing to compare.
        Err(_) => return Ok(0),
    };
    let oracle = validated.as_ref();
    let n = oracle.core_type_count_in_module();
    if n as usize != types.len() {
        return Err(format!("wasmparser sees {n} types, the registry {}", types.len()));
    }
    let ids: Vec<_> = (0..n).map(|i| oracle.core_type_at_in_module(i)).collect();
    let oracle_subtype = |mut a, b| loop {
        if a == b {
            return true;
        }
        match oracle.supertype_of(a) {
            Some(sup) => a = sup,
            None => return false,
        }
    };
    for (i, &a) in ids.iter().enumerate() {
        for (j, &b) in ids.iter().enumerate() {
            let (sa, sb) = (types.engine_types()[i], types.engine_types()[j]);
            if (a == b) != (sa == sb) {
                return Err(format!(
                    "types {i} and {j}: wasmparser says equal = {}, the registry {}",
                    a == b,
                    sa == sb
                ));
            }
            if oracle_subtype(a, b) != registry.is_subtype(sa, sb) {
                return Err(format!(
                    "types {i} <: {j}: wasmparser says {}, the registry {}",
                    oracle_subtype(a, b),
                    registry.is_subtype(sa, sb)
                ));
            }
        }
    }
    Ok(ids.len() * ids.len())
}
