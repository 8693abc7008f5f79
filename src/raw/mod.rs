//! The raw layer: the storage and synchronization under the registry, none
//! of which knows the registry's protocol, and all but one of the crate's
//! `unsafe` lines.
//!
//! - [`sync`]: the synchronization facade (atomics, `Arc`, the sharded map,
//!   the epoch-reclaimed and arc-swap cells), swapped for loom stand-ins
//!   under `--cfg loom`;
//! - [`table`]: the index table, type-stable segments of slots generic over
//!   what a slot holds;
//! - [`free_list`]: the tagged Treiber stacks of free indices;
//! - [`supertype_display`]: each slot's depth and supertype display.
//!
//! The crate root is `#![deny(unsafe_code)]`; this module may use it, and
//! so may one function outside it, `RecGroupEntry::registry` (its own
//! `#[allow(unsafe_code)]`, argued next to the registration count it relies
//! on). So the compiler checks the boundary between the safe registry and
//! the code whose soundness rests on the `SAFETY:` arguments written here.

pub(crate) mod free_list;
pub(crate) mod supertype_display;
pub(crate) mod sync;
pub(crate) mod table;
