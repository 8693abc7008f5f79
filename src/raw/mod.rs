//! The raw layer: every `unsafe` line of the crate, and the storage under
//! the registry, none of which knows the registry's protocol.
//!
//! - [`sync`]: the synchronization facade (atomics, `Arc`, the sharded map,
//!   the epoch-reclaimed and arc-swap cells), swapped for loom stand-ins
//!   under `--cfg loom`;
//! - [`table`]: the index table, type-stable segments of slots generic over
//!   what a slot holds;
//! - [`free_list`]: the tagged Treiber stacks of free indices;
//! - [`display`]: each slot's depth and supertype display.
//!
//! The crate root is `#![deny(unsafe_code)]`; only this module may use it,
//! so the compiler checks the boundary between the safe registry and the
//! code whose soundness rests on the `SAFETY:` arguments written here.

pub(crate) mod display;
pub(crate) mod free_list;
pub(crate) mod sync;
pub(crate) mod table;
