//! Code shared by the test binaries (their `tests/*/main.rs` declare it
//! with `#[path = "../common/mod.rs"] mod common;`): the helpers the test
//! files share (`field`, `wat`, `proptest_config`), and the generators,
//! model and oracles of the randomized tests. Each binary uses only part of
//! it. It ships in the published package
//! with the binaries that do, so it needs nothing but crates.io
//! dependencies: the churn workload, which uses the workspace-only
//! `wasm-type-shapes` crate, lives beside its test instead
//! (`tests/workloads/churn/workload.rs`).
#![allow(dead_code)]

pub mod differential;
pub mod generate;
pub mod model;
pub mod proposal_gen;
pub mod wasmparser_oracle;

use std::time::{Duration, Instant};

use proptest::test_runner::{Config, RngSeed};
use wasm_type_registry::{FieldType, RegistryStats, StorageType, TypeRegistry, ValType};

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

/// Flushes `registry` until nothing is pending, and returns its stats then.
///
/// See [`flush_until_empty_with`]; this one flushes with
/// [`TypeRegistry::flush`] itself.
pub fn flush_until_empty(registry: &TypeRegistry) -> RegistryStats {
    flush_until_empty_with(registry, || registry.flush())
}

/// Calls `flush` until `registry` has nothing pending, for at most 30 s,
/// and returns its stats then (a test asserts `pending_frees` is 0).
///
/// One flush may leave garbage behind for a reason outside the test: a
/// thread that stays inside a call of *any* registry holds back what was
/// retired after it entered ([`TypeRegistry::flush`] says so), and the
/// other tests of the binary run beside this one on other threads, some
/// of them parked inside a call on purpose. Those calls end, so flushing
/// again frees the rest; what is still pending after 30 s is held back by
/// something that does not end.
pub fn flush_until_empty_with(registry: &TypeRegistry, mut flush: impl FnMut()) -> RegistryStats {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        flush();
        let stats = registry.stats();
        if stats.pending_frees == 0 || Instant::now() > deadline {
            return stats;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// The binary encoding of `text`, a module or component in the text format,
/// by the `wast` crate (an encoder that shares no code with the registry).
///
/// # Panics
/// If `text` does not parse or encode (test inputs are written by hand);
/// the message holds the text.
pub fn wat(text: &str) -> Vec<u8> {
    let buffer = wast::parser::ParseBuffer::new(text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    let mut wat = wast::parser::parse::<wast::Wat>(&buffer).unwrap_or_else(|e| panic!("{e}\n{text}"));
    wat.encode().unwrap_or_else(|e| panic!("{e}\n{text}"))
}

/// A struct field or array element type: `mutable` or not, storing
/// `storage`, a [`StorageType`] or a [`ValType`] (stored unpacked).
pub fn field(mutable: bool, storage: impl Storage) -> FieldType {
    FieldType { mutable, storage: storage.storage() }
}

/// What [`field`] takes as a field's storage.
pub trait Storage {
    /// The storage type.
    fn storage(self) -> StorageType;
}

impl Storage for StorageType {
    fn storage(self) -> StorageType {
        self
    }
}

impl Storage for ValType {
    fn storage(self) -> StorageType {
        StorageType::Val(self)
    }
}
