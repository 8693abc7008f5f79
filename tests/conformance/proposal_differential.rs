//! Randomized differential testing of the proposals' type features (exact
//! references, descriptor pairs, continuation types, shared abstract heap
//! types, shared composite types) against two oracles at once.
//!
//! Each case generates one to three modules (`common/proposal_gen.rs`) and
//! registers them, in order, in one registry and in the sequential
//! reference model (`common/model.rs`):
//! - the model: every type's engine index binds one to one to a model
//!   type, `borrow` has the model's structure, trampolines and `is_subtype`
//!   agree;
//! - wasmparser: each module, printed in the text format and re-encoded, is
//!   validated with the three proposals on, and for every ordered pair of
//!   its types the registry gives equal engine indices exactly when
//!   wasmparser gives equal type ids, and `is_subtype` holds exactly when
//!   wasmparser's supertype chain leads from one to the other;
//! - at the end, with every collection dropped, the registry is empty.
//!
//! Reproduce with
//! `cargo test --test conformance -- --nocapture proposal_differential::`
//! (fixed seed; `PROPTEST_RNG_SEED` and `PROPTEST_CASES` override it and
//! the case count, 256 by default).

use std::sync::atomic::{AtomicU64, Ordering};

use proptest::prelude::*;
use proptest::test_runner::{TestCaseError, TestRunner};
use wasm_type_registry::*;

use crate::common::generate::Choices;
use crate::common::model::Model;
use crate::common::proposal_gen;
use crate::common::wasmparser_oracle::check_canonicalization;

const FEATURES: wasmparser::WasmFeatures = wasmparser::WasmFeatures::WASM3
    .union(wasmparser::WasmFeatures::CUSTOM_DESCRIPTORS)
    .union(wasmparser::WasmFeatures::STACK_SWITCHING)
    .union(wasmparser::WasmFeatures::SHARED_EVERYTHING_THREADS);

/// Over all cases: types, exact references, descriptor pairs,
/// continuation types, shared abstract references, type pairs compared
/// with wasmparser, types that share an index with an earlier one, and
/// shared composite types.
static SEEN: [AtomicU64; 8] = [const { AtomicU64::new(0) }; 8];

fn count(what: usize, n: usize) {
    SEEN[what].fetch_add(n as u64, Ordering::Relaxed);
}

/// Tallies the features a module uses, so the run can show it is not
/// vacuous.
fn tally(module: &ModuleTypes) {
    count(0, module.len());
    for ty in module.types() {
        count(7, usize::from(ty.shared));
        let mut heap_types = Vec::new();
        let vals: Vec<ValType> = match &ty.composite {
            CompositeType::Func(f) => f.params.iter().chain(f.results.iter()).copied().collect(),
            CompositeType::Struct(s) => {
                count(2, usize::from(s.descriptor.is_some()));
                s.fields
                    .iter()
                    .filter_map(|f| if let StorageType::Val(v) = f.storage { Some(v) } else { None })
                    .collect()
            }
            CompositeType::Array(a) => a.element.storage_val().into_iter().collect(),
            CompositeType::Cont(_) => {
                count(3, 1);
                Vec::new()
            }
        };
        heap_types.extend(vals.iter().filter_map(|v| if let ValType::Ref(r) = v { Some(r.heap_type) } else { None }));
        count(1, heap_types.iter().filter(|h| matches!(h, HeapType::Exact(_))).count());
        count(4, heap_types.iter().filter(|h| matches!(h, HeapType::SharedAbstract(_))).count());
    }
}

trait StorageVal {
    fn storage_val(&self) -> Option<ValType>;
}

impl StorageVal for FieldType {
    fn storage_val(&self) -> Option<ValType> {
        match self.storage {
            StorageType::Val(v) => Some(v),
            StorageType::I8 | StorageType::I16 => None,
        }
    }
}

fn encode(module: &ModuleTypes) -> Result<Vec<u8>, String> {
    let text = format!("(module\n{module})");
    let buffer = wast::parser::ParseBuffer::new(&text).map_err(|e| format!("{e}\n{text}"))?;
    let mut wat = wast::parser::parse::<wast::Wat>(&buffer).map_err(|e| format!("{e}\n{text}"))?;
    wat.encode().map_err(|e| format!("{e}\n{text}"))
}

fn run_case(choices: &[u32]) -> Result<(), String> {
    let mut c = Choices::new(choices);
    let registry = TypeRegistry::new();
    let mut model = Model::default();
    let mut held = Vec::new();
    let mut bindings = Vec::new();
    for _ in 0..1 + c.below(3) {
        let module = proposal_gen::module(&mut c);
        tally(&module);
        let ids = model.module(&module);
        let types = registry.register_module(&module).map_err(|e| format!("{e}\n{module}"))?;
        let bytes = encode(&module)?;
        let pairs =
            check_canonicalization(&registry, &bytes, &types, FEATURES).map_err(|e| format!("{e}\n{module}"))?;
        if pairs != module.len() * module.len() {
            return Err(format!("wasmparser refused a module the registry took\n{module}"));
        }
        count(5, pairs);
        let shared = types.engine_types();
        count(6, (0..shared.len()).filter(|&i| shared[..i].contains(&shared[i])).count());
        bindings.extend(shared.iter().copied().zip(ids));
        held.push(types);
    }
    model.check(&registry, bindings, 64)?;
    drop(held);
    if !registry.is_empty() {
        return Err(format!("{} types still registered after every collection was dropped", registry.len()));
    }
    Ok(())
}

#[test]
fn proposal_types_agree_with_the_model_and_wasmparser() {
    let mut runner = TestRunner::new(crate::common::proptest_config(256));
    let strategy = prop::collection::vec(any::<u32>(), 0..300);
    if let Err(e) = runner.run(&strategy, |choices| run_case(&choices).map_err(TestCaseError::fail)) {
        panic!("{e}");
    }
    let [types, exact, pairs, conts, shared, compared, repeated, shared_types] =
        SEEN.each_ref().map(|n| n.load(Ordering::Relaxed));
    println!(
        "proposal_differential: {types} types, {exact} exact references, {pairs} descriptor pairs, {conts} \
         continuation types, {shared} shared abstract references, {shared_types} shared composite types; \
         {compared} type pairs compared with wasmparser, {repeated} types hash-consed onto an earlier type of their \
         module"
    );
    // Not vacuous: every feature occurs, and hash consing merges types.
    for (n, what) in [
        (exact, "exact references"),
        (pairs, "descriptor pairs"),
        (conts, "continuations"),
        (shared_types, "shared composite types"),
    ] {
        assert!(n > 20, "only {n} {what}");
    }
    assert!(shared > 20 && repeated > 20, "{shared} shared references, {repeated} repeated types");
}
