//! What compiled code does with [`DisplayView`]: the inline subtype check
//! documented there, written out load by load, so that a test can check it
//! against `is_subtype` and a benchmark can time it next to `is_subtype` and
//! the unsynchronized limit.

use std::sync::atomic::Ordering;

use wasm_type_registry::{DisplayView, EngineTypeIndex};

/// Whether `sub` is a subtype of `sup`, whose depth `depth` (below
/// `view.display_len`) the compiled code knows: [`DisplayView`]'s sequence
/// for a `sub` that the caller keeps registered, in three loads.
///
/// # Panics
/// If `sub`'s segment does not exist (so `sub` was never registered) or
/// `depth` is not below `view.display_len`.
#[inline]
pub fn jit_is_subtype(view: &DisplayView, sub: EngineTypeIndex, sup: EngineTypeIndex, depth: usize) -> bool {
    if sub == sup {
        return true;
    }
    assert!(depth < view.display_len as usize, "depth {depth} is checked by a call, not inline");
    let b = u64::from(sub.as_u32()) + (1 << view.segment_shift);
    let k = (63 - b.leading_zeros() - view.segment_shift) as usize;
    let len = 1u64 << (view.segment_shift as usize + k);
    let o = b - len;
    assert!(k < view.segment_count as usize);
    // Load 1.
    // SAFETY: `segments` points at `segment_count` segment pointers, valid
    // while the registry lives (the caller holds it); `k` is below the count.
    let segment = unsafe { &*view.segments.add(k) }.load(Ordering::Acquire);
    assert!(!segment.is_null(), "{sub:?} was never registered: its segment does not exist");
    // Loads 2 and 3.
    // SAFETY: a non-null segment pointer points at the segment's
    // `SegmentDisplay`, whose `columns` hold `display_len * len` entries,
    // alive as long as the registry; `depth < display_len` and `o < len`.
    let ancestor = unsafe { &*(*segment).columns.add(depth * len as usize + o as usize) };
    // `Relaxed`: the caller keeps `sub` registered, so the entry is the one
    // its registration wrote, ordered before the caller by that
    // registration.
    ancestor.load(Ordering::Relaxed) == sup.as_u32()
}
