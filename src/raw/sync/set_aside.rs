//! The set-aside stack: heavy values (big rec groups) whose drop came due
//! in a collection, kept for a call that may pay for them (see
//! [`Reclaimer::drop_set_aside`](super::Reclaimer::drop_set_aside)).

use super::{AtomicPtr, Ordering};

/// A heavy value set aside, and the next one.
struct SetAsideNode {
    #[expect(dead_code, reason = "held only to be dropped")]
    value: Box<dyn Send>,
    next: *mut SetAsideNode,
}

/// A lock-free stack of set-aside values: any thread pushes (a
/// collection, which may run inside a reader's call, so it must not
/// wait), and a taker takes the whole stack with one swap, so no pop
/// ever reads a node another thread may free (no ABA).
pub(super) struct SetAside {
    head: AtomicPtr<SetAsideNode>,
}

impl SetAside {
    pub(super) fn new() -> Self {
        SetAside { head: AtomicPtr::default() }
    }

    pub(super) fn push(&self, value: Box<dyn Send>) {
        self.push_node(Box::into_raw(Box::new(SetAsideNode { value, next: std::ptr::null_mut() })));
    }

    /// Pushes a node from `Box::into_raw` that the caller owns.
    fn push_node(&self, node: *mut SetAsideNode) {
        // `Relaxed`: the compare-and-swap below decides.
        let mut head = self.head.load(Ordering::Relaxed);
        loop {
            // SAFETY: `node` is the caller's (from `Box::into_raw`) until
            // the compare-and-swap publishes it.
            unsafe { (*node).next = head };
            // `Release`: a taker that `Acquire`s the head sees the node's
            // contents.
            match self.head.compare_exchange_weak(head, node, Ordering::Release, Ordering::Relaxed) {
                Ok(_) => return,
                Err(actual) => head = actual,
            }
        }
    }

    /// Drops up to `max` values, puts the rest back; how many it dropped.
    pub(super) fn drop_some(&self, max: usize) -> usize {
        // `Relaxed`: only a hint that spares callers the swap's write to a
        // shared cache line when nothing is set aside (nearly always).
        if max == 0 || self.head.load(Ordering::Relaxed).is_null() {
            return 0;
        }
        // `Acquire`: pairs with the pushes' `Release`.
        let mut node = self.head.swap(std::ptr::null_mut(), Ordering::Acquire);
        let mut dropped = 0;
        while !node.is_null() {
            // SAFETY: the swap gave us the whole list: every node came
            // from `Box::into_raw` in `push` and no other thread can
            // reach it any more.
            let taken = unsafe { Box::from_raw(node) };
            node = taken.next;
            if dropped < max {
                drop(taken);
                dropped += 1;
            } else {
                self.push_node(Box::into_raw(taken));
            }
        }
        dropped
    }
}

impl Drop for SetAside {
    fn drop(&mut self) {
        self.drop_some(usize::MAX);
    }
}
