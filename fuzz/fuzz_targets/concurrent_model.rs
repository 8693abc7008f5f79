//! A few threads replay operation sequences against one registry, checked
//! against the sequential reference model: the engine of
//! `tests/conformance/differential.rs` (`tests/common/differential.rs`), driven by
//! coverage-guided bytes instead of proptest.
//!
//! The input is a choice stream for `tests/common/generate.rs` (a pool of
//! valid modules: rec groups, subtype chains up to depth 63, repeated
//! groups) and, per round, one operation sequence per thread: register a
//! pool module, register a variant of one of its types, root, clone,
//! borrow, `is_subtype`, drop, check. What must hold is listed in
//! `tests/common/differential.rs`: every answer agrees with the model, two
//! live handles never disagree about an index, the counters match the
//! model's live set between rounds, and the registry ends empty. At exit
//! the target prints how many inputs it ran and how many of their pools
//! carried each proposal's types.
#![no_main]

#[allow(dead_code)]
#[path = "../../tests/common/model.rs"]
mod model;

#[allow(dead_code)]
#[path = "../../tests/common/generate.rs"]
mod generate;

#[allow(dead_code)]
#[path = "../../tests/common/differential.rs"]
mod differential;

use arbitrary::Arbitrary;
use differential::{run_case, Op, THREADS};
use libfuzzer_sys::fuzz_target;
use wasm_type_shapes::census::{Census, ProposalUse};

static CENSUS: Census = Census::new("concurrent_model");

#[derive(Arbitrary, Debug)]
struct Case {
    /// The pool's choice stream.
    choices: Vec<u32>,
    /// Per round, one sequence per thread.
    rounds: Vec<[Vec<Op>; THREADS]>,
}

fuzz_target!(init: CENSUS.print_at_exit(), |case: Case| {
    let pool = generate::pool(&mut generate::Choices::new(&case.choices));
    let uses = pool.iter().map(|module| ProposalUse::of_types(module.build().types())).reduce(ProposalUse::or);
    CENSUS.record(uses);
    // Bounded so that one input stays well under a second.
    let rounds: Vec<Vec<Vec<Op>>> = case
        .rounds
        .iter()
        .take(3)
        .map(|round| round.iter().map(|ops| ops.iter().take(32).copied().collect()).collect())
        .collect();
    if let Err(e) = run_case(&case.choices, &rounds) {
        panic!("{e}");
    }
});
