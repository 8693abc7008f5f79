//! Code shared by the reliability tests (`differential`, `bad_input`). Each
//! test crate uses only part of it. The churn workload (`churn.rs`, shared
//! by `tests/churn.rs` and the `churn` example) is not a module of it: it
//! uses the workspace-only `wasm-type-shapes` crate, and these tests ship in
//! the published package.
#![allow(dead_code)]

pub mod differential;
pub mod generate;
pub mod model;
pub mod proposal_gen;
pub mod wasmparser_oracle;

use proptest::test_runner::{Config, RngSeed};

/// The seed every property test starts from unless `PROPTEST_RNG_SEED` says
/// otherwise: runs are reproducible, and a failure seen once is seen again.
pub const DEFAULT_SEED: u64 = 0x5eed_f00d_7e57;

/// A proptest configuration for a test that runs `default_cases` cases.
///
/// `PROPTEST_CASES` and `PROPTEST_RNG_SEED` override the case count and the
/// seed (proptest's own variables). Failure persistence is off: the fixed
/// seed already replays a failure, and the runner prints the shrunk input.
pub fn proptest_config(default_cases: u32) -> Config {
    let mut config = Config::default();
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = default_cases;
    }
    if std::env::var_os("PROPTEST_RNG_SEED").is_none() {
        config.rng_seed = RngSeed::Fixed(DEFAULT_SEED);
    }
    config.failure_persistence = None;
    config
}
