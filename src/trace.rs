//! Trace logging that the embedder's logger cannot break.
//!
//! The registry reports the steps of its protocol (increfs, decrefs,
//! insertions, unregistrations) through `log::trace!`. The logger is the
//! embedder's code, and the only code this crate calls that it does not
//! control: the crate takes no other callbacks, and everything it hashes,
//! compares or drops is its own type. Two rules keep that call harmless:
//!
//! - **A panic in the logger is contained.** [`trace!`] catches it (after
//!   the panic hook has reported it) and the registry carries on, so a
//!   panic cannot unwind out of the middle of a registration or an
//!   unregistration and leave a registration count raised with no owner, a
//!   dead group in the map, or an index neither published nor freed.
//! - **No log call happens while a shard lock is held**, so a logger that
//!   itself registers or drops types cannot deadlock against the registry
//!   (dashmap's locks are not re-entrant). Code that runs under a shard
//!   lock (`incref_if_live` when called from a lookup, `mark_inserted`)
//!   does not log; its callers log once the lock is released.
//!
//! `tests/panicking_logger/main.rs` installs a logger that re-enters the
//! registry and then panics on every record.

/// `log::trace!`, with a panic in the logger contained (see the module
/// docs). Costs one relaxed load when trace logging is off.
macro_rules! trace {
    ($($arg:tt)+) => {
        if log::Level::Trace <= log::STATIC_MAX_LEVEL && log::Level::Trace <= log::max_level() {
            $crate::trace::contained(|| log::trace!($($arg)+));
        }
    };
}

pub(crate) use trace;

/// Runs `log`, swallowing a panic that unwinds out of it.
#[cold]
pub(crate) fn contained(log: impl FnOnce()) {
    // `AssertUnwindSafe`: the closure only formats values it borrows and
    // hands the record to the logger; it changes no registry state, so
    // nothing half-updated can be seen after a caught panic.
    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(log));
}
