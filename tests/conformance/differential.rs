//! Randomized differential testing of the registry against the reference
//! model in `common/model.rs`.
//!
//! Each case generates a pool of random valid modules (`common/generate.rs`)
//! and, for each of several rounds, one random sequence of operations per
//! thread: register a module, register a single type, root, clone, borrow,
//! `is_subtype`, drop, check. The threads run their sequences at the same
//! time against one registry. What must hold whatever the interleaving is
//! listed in `common/differential.rs`, which the `concurrent_model` fuzz
//! target (`fuzz/`) shares.
//!
//! Reproduce with
//! `cargo test --test conformance -- --nocapture differential::registry_agrees`:
//! the seed is fixed (`PROPTEST_RNG_SEED` overrides it), `PROPTEST_CASES`
//! raises the case count (256 by default), and a failure shrinks to a
//! minimal pool and operation sequence.

use std::sync::atomic::Ordering;

use proptest::prelude::*;
use proptest::test_runner::{TestCaseError, TestRunner};

use crate::common::differential::{run_case, Op, EXECUTED, GENERATED, THREADS};
use crate::common::generate::VARIANTS;
use crate::common::model::SUBTYPE_ANSWERS;

const DEFAULT_CASES: u32 = 256;

fn op() -> impl Strategy<Value = Op> {
    let n = || 0..64usize;
    prop_oneof![
        4 => n().prop_map(Op::RegisterModule),
        2 => (n(), n(), 0..VARIANTS).prop_map(|(handle, ty, variant)| Op::NewType { handle, ty, variant }),
        2 => (n(), n()).prop_map(|(handle, ty)| Op::Root { handle, ty }),
        1 => n().prop_map(Op::Clone),
        2 => (n(), n()).prop_map(|(handle, ty)| Op::Borrow { handle, ty }),
        3 => ((n(), n()), (n(), n())).prop_map(|(a, b)| Op::IsSubtype { a, b }),
        4 => n().prop_map(Op::Drop),
        1 => Just(Op::Check),
    ]
}

/// A pool (as a choice stream) and, per round, one op sequence per thread.
fn case() -> impl Strategy<Value = (Vec<u32>, Vec<Vec<Vec<Op>>>)> {
    let rounds = prop::collection::vec(prop::collection::vec(prop::collection::vec(op(), 0..24), THREADS), 1..4);
    (prop::collection::vec(any::<u32>(), 0..400), rounds)
}

#[test]
fn registry_agrees_with_the_sequential_model() {
    let config = crate::common::proptest_config(DEFAULT_CASES);
    let cases = config.cases;
    let mut runner = TestRunner::new(config);
    let result = runner.run(&case(), |(choices, rounds)| run_case(&choices, &rounds).map_err(TestCaseError::fail));
    if let Err(e) = result {
        panic!("{e}");
    }
    let counts: Vec<String> =
        Op::KINDS.iter().zip(&EXECUTED).map(|(name, n)| format!("{name} {}", n.load(Ordering::Relaxed))).collect();
    let total: u64 = EXECUTED.iter().map(|n| n.load(Ordering::Relaxed)).sum();
    println!("differential: {cases} cases, {total} operations on {THREADS} threads ({})", counts.join(", "));
    let [types, with_supertype, depth_63, repeated] = GENERATED.each_ref().map(|n| n.load(Ordering::Relaxed));
    println!(
        "differential: the pools had {types} types, {with_supertype} with a declared supertype, {depth_63} at \
         depth 63; {repeated} rec groups occurred more than once"
    );
    let [compared, true_] = SUBTYPE_ANSWERS.each_ref().map(|n| n.load(Ordering::Relaxed));
    println!("differential: {compared} is_subtype answers compared with the model, {true_} of them true");
}
