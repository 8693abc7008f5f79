//! Agreement with independent oracles, and refusal of bad input: the spec
//! test suite's type-related scripts, random operation sequences against
//! the sequential model (`differential`, and `proposal_differential` for
//! the proposals' types, also against wasmparser's type ids), and every
//! class of malformed input to the builder and the registry.
//!
//! Shipped in the published package: everything here needs nothing but
//! crates.io dependencies. Run one file's tests with its module name, e.g.
//! `cargo test --test conformance -- --nocapture bad_input::`.
//!
//! The statistics the randomized tests print come from process-wide
//! counters, and `differential` and `proposal_differential` both count
//! `is_subtype` answers through the shared model: the figures of one test
//! are its own when it runs alone (`differential::registry_agrees`,
//! `proposal_differential::`).

#[path = "../common/mod.rs"]
mod common;

mod bad_input;
mod differential;
mod proposal_differential;
mod spec_conformance;
