//! [`GiveUpCell`]: a value held until one thread gives it up.

use super::{AtomicBool, Ordering};

/// A value held until one thread gives it up, for a protocol in which the
/// holders that read it and the one thread that gives it up are never alive
/// at once (a rec group's entry holds its registry while the group is
/// registered, and gives it up when the group is dismantled, so that
/// retired entries do not keep their registry alive).
pub(crate) struct GiveUpCell<T> {
    value: std::cell::UnsafeCell<std::mem::ManuallyDrop<T>>,
    given_up: AtomicBool,
}

// SAFETY: the cell hands out `&T` to any thread (needs `T: Sync`) and moves
// the value out on one thread (needs `T: Send`); `given_up` makes the move
// happen at most once, and `get`'s contract keeps it from overlapping a use.
unsafe impl<T: Send + Sync> Sync for GiveUpCell<T> {}

impl<T> GiveUpCell<T> {
    pub(crate) fn new(value: T) -> Self {
        GiveUpCell {
            value: std::cell::UnsafeCell::new(std::mem::ManuallyDrop::new(value)),
            given_up: AtomicBool::new(false),
        }
    }

    /// The value.
    ///
    /// # Safety
    /// The value is not dropped while the returned reference lives: either
    /// it is not given up meanwhile, or whoever gives it up keeps the value
    /// it took alive until the reference is gone. (Giving up moves the
    /// value out bit for bit and never writes the cell, so the reference
    /// still points at a valid `T` whose resources the taker now owns.)
    /// Debug builds also check that no reference is *taken* after the
    /// value was given up.
    #[inline]
    pub(crate) unsafe fn get(&self) -> &T {
        debug_assert!(!self.given_up.load(Ordering::Relaxed), "a value was used after it was given up");
        // SAFETY: the cell is written only by `new`; `give_up` only reads it
        // (and its `Drop` runs only without references, by `&mut self`).
        // So the bits behind the reference are a valid `T` for as long as
        // the caller's contract keeps the value (here or in the taker's
        // hands) from being dropped.
        unsafe { &*self.value.get() }
    }

    /// Moves the value out, to the first caller only; `None` afterwards.
    /// References from [`get`](Self::get) stay valid until the caller drops
    /// what it took (see `get`'s contract).
    pub(crate) fn give_up(&self) -> Option<T> {
        // `AcqRel`: `Acquire` orders the move after the value's
        // initialization, `Release` as the natural pairing. Exactly one
        // caller sees `false`.
        if self.given_up.swap(true, Ordering::AcqRel) {
            return None;
        }
        // SAFETY: the value is initialized and was not moved out before (the
        // swap above returned `false` to us alone); `ManuallyDrop` keeps the
        // cell from dropping it again. A bitwise read while shared
        // references may exist is not a mutation; the contract of `get`
        // makes their holders stop using it before the value is dropped.
        Some(std::mem::ManuallyDrop::into_inner(unsafe { std::ptr::read(self.value.get()) }))
    }
}

impl<T> Drop for GiveUpCell<T> {
    fn drop(&mut self) {
        // `Relaxed`: `&mut self` is exclusive.
        if !self.given_up.load(Ordering::Relaxed) {
            // SAFETY: not given up, so still initialized, and `&mut self`
            // means no reference from `get` is alive.
            unsafe { std::mem::ManuallyDrop::drop(&mut *self.value.get()) }
        }
    }
}
