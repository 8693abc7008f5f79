//! Process-wide identities: distinct numbers that name one registry, one
//! module's types or one reclaimer among all this process creates, so that
//! a key or a module-form type handed to the wrong one is refused instead
//! of read as one of its own, and a thread's cache finds its own lists.
//!
//! The counter is not part of the concurrency protocol (it only hands out
//! distinct numbers, it publishes nothing), so it is a plain `std` atomic
//! that models need not see; loom's atomics cannot be `static`.

use std::sync::atomic::{AtomicU64, Ordering};

/// The next identity; 0 is never handed out.
static NEXT_IDENTITY: AtomicU64 = AtomicU64::new(1);

/// A number no earlier call returned.
pub(crate) fn new_identity() -> u64 {
    // `Relaxed`: only distinctness matters. 64 bits do not wrap.
    NEXT_IDENTITY.fetch_add(1, Ordering::Relaxed)
}
