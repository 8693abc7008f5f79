//! Racing registrations of one new rec group, coalesced in a registry with
//! a data function, so that the embedder's function runs once per type of
//! the group that gets registered (moka's `get_with` shape).
//!
//! Without a data function, threads that miss the same new group each
//! prepare it and the insertion race keeps one (see `register.rs`): the
//! losers' work is only CPU. With one, each preparation would run the
//! embedder's function, so the first thread to miss *claims* the group
//! here, and the others wait for its claim to end, then look the group up
//! again: they find it registered, or, if the claimant failed (its data
//! function returned an error or panicked), one of them claims it in turn
//! and runs the function itself. So a failing function fails for every
//! waiter, each with its own error.
//!
//! # Why waiting cannot deadlock
//! A thread waits only when it is not inside a data function: a
//! registration made *by* a data function prepares its group unclaimed if
//! another thread holds the claim (its function may then run twice for
//! that group), because the claimant may be waiting for the very group
//! whose data is being computed. Then every wait is on a claimant that
//! either waits for nothing, or (while it prepares a group) waits only for
//! the claims of its trampoline types; a trampoline type's claimant
//! registers no trampolines of its own (a trampoline type is its own), and
//! the only registrations it makes are those of its data function, which
//! never wait. So a chain of waits has at most two links, and no cycle.
//!
//! # Synchronization
//! The claims are a list behind a mutex, and each claim's end a flag behind
//! a mutex with a condition variable; none of them is held while the
//! embedder's code runs. The claimant inserts the group into the map before
//! it ends the claim, so a waiter that wakes finds it; and a thread whose
//! lookup missed just before a claim ended, and that then takes the claim
//! itself, looks the group up once more before it prepares anything.

use std::cell::Cell;

#[cfg(loom)]
use loom::thread::ThreadId;
#[cfg(not(loom))]
use std::thread::ThreadId;

use crate::canon::CanonGroup;
use crate::raw::sync::{current_thread, thread_local, Arc, Condvar, Mutex};

/// The claims of one registry.
#[derive(Default)]
pub(super) struct InFlight {
    claims: Mutex<Vec<Arc<Claim>>>,
}

/// One group being prepared by one thread.
struct Claim {
    key: CanonGroup,
    thread: ThreadId,
    ended: Mutex<bool>,
    wake: Condvar,
}

/// What [`InFlight::claim`] found.
pub(super) enum Claimed<'r> {
    /// The caller prepares the group; the claim ends when this is dropped
    /// (registered, failed or unwinding).
    Mine(ClaimGuard<'r>),
    /// Another thread prepares it: wait with [`Waiter::wait`], then look
    /// the group up again.
    Wait(Waiter),
    /// Another thread prepares it, and the caller may not wait (it is
    /// inside a data function, or it holds that claim itself): prepare it
    /// unclaimed.
    Unclaimed,
}

impl InFlight {
    /// Claims `key` for the calling thread, or finds who holds it.
    pub(super) fn claim(&self, key: &CanonGroup) -> Claimed<'_> {
        let mut claims = lock(&self.claims);
        let thread = current_thread().id();
        if let Some(claim) = claims.iter().find(|claim| claim.key == *key) {
            let may_wait = claim.thread != thread && !in_data_function();
            return if may_wait { Claimed::Wait(Waiter(claim.clone())) } else { Claimed::Unclaimed };
        }
        let claim = Arc::new(Claim { key: key.clone(), thread, ended: Mutex::new(false), wake: Condvar::new() });
        claims.push(claim.clone());
        Claimed::Mine(ClaimGuard { in_flight: self, claim })
    }
}

/// A claim held by the calling thread; dropping it ends the claim and
/// wakes its waiters.
pub(super) struct ClaimGuard<'r> {
    in_flight: &'r InFlight,
    claim: Arc<Claim>,
}

impl Drop for ClaimGuard<'_> {
    fn drop(&mut self) {
        lock(&self.in_flight.claims).retain(|claim| !Arc::ptr_eq(claim, &self.claim));
        *lock(&self.claim.ended) = true;
        self.claim.wake.notify_all();
    }
}

/// Another thread's claim, to wait for.
pub(super) struct Waiter(Arc<Claim>);

impl Waiter {
    /// Returns once the claim has ended.
    pub(super) fn wait(self) {
        let mut ended = self.0.ended.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        while !*ended {
            ended = self.0.wake.wait(ended).unwrap_or_else(std::sync::PoisonError::into_inner);
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> impl std::ops::DerefMut<Target = T> + '_ {
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

thread_local! {
    /// How many data functions this thread is inside.
    // Not `const { .. }`: loom's `thread_local!` does not take it.
    #[allow(clippy::missing_const_for_thread_local)]
    static DATA_FUNCTIONS: Cell<usize> = Cell::new(0);
}

fn in_data_function() -> bool {
    DATA_FUNCTIONS.try_with(Cell::get).unwrap_or(0) > 0
}

/// Marks the calling thread as inside a data function while it lives.
pub(super) struct DataFunctionScope(());

impl DataFunctionScope {
    pub(super) fn enter() -> Self {
        let _ = DATA_FUNCTIONS.try_with(|depth| depth.set(depth.get() + 1));
        DataFunctionScope(())
    }
}

impl Drop for DataFunctionScope {
    fn drop(&mut self) {
        let _ = DATA_FUNCTIONS.try_with(|depth| depth.set(depth.get() - 1));
    }
}
