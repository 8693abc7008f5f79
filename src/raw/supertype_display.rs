//! The supertype display: each slot's depth and its first [`DISPLAY_LEN`]
//! ancestors, stored column by column, and the whole chain of deeper types.
//!
//! `is_subtype(sub, sup)` reads `sup`'s depth `d`, `sub`'s depth, and `sub`'s
//! ancestor at depth `d`. Stored per slot, those would be two cache lines of
//! 64-byte slots per check, and a hierarchy of a few thousand types would not
//! fit in the L1 cache. Stored as columns, the states of 8 types share a
//! line and the depth-`d` ancestors of 16, so a check over thousands of types
//! mostly hits L1, like the same check on a plain vector of supertype arrays.
//!
//! The idea is HotSpot's "primary supers" display (Click and Rose, *Fast
//! subtype checking in the HotSpot JVM*, 2002): real hierarchies are shallow
//! (dart2wasm's deepest chain is 9), so the display answers nearly every
//! check with plain loads; deeper ancestors are read from the published
//! [`SupertypeChain`].
//!
//! # Slot states
//! Each slot's state is one word ([`DisplayState`]): its depth, whether the
//! type is *visible* (its rec group is registered), and a generation that
//! every emptying of the slot advances. A slot goes
//! `empty → prepared (depth, not visible) → visible → empty`: the registry
//! fills it while preparing a group ([`DisplayRef::set_ancestors`]), shows
//! it when the group is inserted into the hash-consing map
//! ([`DisplayRef::show`]), and empties it when the group is unregistered
//! ([`DisplayRef::clear_supertypes`]). A group that loses the insertion race
//! is emptied without ever being shown. [`DisplayRef::has_ancestor_at`]
//! answers `false` for a slot that is not visible, so `is_subtype` never
//! reports a relation of a type that is not registered.
//!
//! # Synchronization
//! The state byte works as a sequence lock over the columns:
//!
//! - The writer (the one thread that owns the slot: it reserved the index,
//!   or it unregisters the group) issues a `Release` fence, stores the
//!   columns (`Relaxed`), then the state with `Release`.
//! - A reader loads the state with `Acquire`, so seeing an occupant's state
//!   means seeing its columns; it reads the column, then an `Acquire` fence
//!   and the state again (`Relaxed`), and trusts the column only if the
//!   state did not change. A column value written by a later occupant comes
//!   after that occupant's `Release` fence, which then synchronizes with the
//!   reader's fence: the re-read sees the later state (at least the
//!   emptying), and the answer is `false`.
//!
//! The generation makes the re-check see an emptying even when the next
//! occupant has the same depth. It has 56 bits and does not wrap in
//! practice, which also lets it serve as the slot part of a checked key
//! ([`TypeKey`](crate::TypeKey)): a key remembers the generation its type
//! was visible in, and a later occupant of the slot has another.
//!
//! So an answer always belongs to one visible occupant of the slot, as it
//! was at one instant: never a new depth with an old ancestor (the torn
//! display that `Relaxed` stores of depth and column allowed on weakly
//! ordered machines), never an old depth with a new ancestor. On x86 every
//! one of these orderings is a plain `mov`. The deep chains are published
//! through a [`PublishedCell`], which keeps a loaded chain alive while it is
//! read; they are covered by the same re-check.

use crate::raw::sync::{fence, Arc, AtomicU32, AtomicU64, Ordering, PublishedCell};
use crate::types::EngineTypeIndex;

/// How many ancestors each type keeps in the display.
pub(crate) const DISPLAY_LEN: usize = 10;

/// Marks a display entry that no type has written yet.
const UNSET: u32 = u32::MAX;

/// A slot's state, packed in a word: its depth (at most 63), whether the
/// type is visible to readers (its group is registered), and the slot's
/// generation (advanced by every emptying).
///
/// 64 bits, so that the 56-bit generation never wraps in practice (one slot
/// emptied every nanosecond would take over two years): checked keys
/// ([`TypeKey`](crate::TypeKey)) that embedders store for as long as they
/// like compare it, and a wrapped generation would let a stale key name a
/// later occupant.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct DisplayState(u64);

impl DisplayState {
    const DEPTH: u64 = 0x7f;
    const VISIBLE: u64 = 0x80;
    const GENERATION_SHIFT: u32 = 8;

    /// A new slot: generation 0, empty.
    const NEW: DisplayState = DisplayState(0);

    /// The same slot, filled with a type of `depth` supertypes, not yet
    /// visible.
    fn prepared(self, depth: usize) -> Self {
        debug_assert!(depth <= Self::DEPTH as usize, "depth {depth} does not fit the state word");
        DisplayState((self.0 & !(Self::DEPTH | Self::VISIBLE)) | (depth as u64 & Self::DEPTH))
    }

    /// The same slot, visible.
    fn shown(self) -> Self {
        DisplayState(self.0 | Self::VISIBLE)
    }

    /// The same slot emptied, in its next generation.
    fn emptied(self) -> Self {
        let generation = (self.0 >> Self::GENERATION_SHIFT).wrapping_add(1);
        DisplayState(generation << Self::GENERATION_SHIFT)
    }

    fn depth(self) -> usize {
        (self.0 & Self::DEPTH) as usize
    }

    fn is_visible(self) -> bool {
        self.0 & Self::VISIBLE != 0
    }

    /// How many times the slot was emptied before this state: the same for
    /// the whole stay of one occupant, different for every other.
    pub(crate) fn generation(self) -> u64 {
        self.0 >> Self::GENERATION_SHIFT
    }
}

/// A type's declared supertypes, outermost first: `chain[d]` is its
/// ancestor at depth `d`, and its length is the type's own depth.
///
/// A range of storage shared by the types of one rec group: a type's chain
/// is its supertype's chain plus one entry, and every subtype of one type
/// has the same chain, so the registry lays a group's chains out once per
/// supertype (`SupertypeChains`) and a subtype shares, or extends in place,
/// its supertype's range. A group of long subtype chains, or of thousands
/// of siblings below one deep type, then costs a few bytes per type, not a
/// full chain each. Only types deeper than [`DISPLAY_LEN`] keep theirs; the
/// display holds the others whole.
///
/// The storage is immutable once built and published with the state word
/// (or the [`PublishedCell`]), so it is a plain `std` `Arc`, not one the
/// model checker needs to see.
#[derive(Clone)]
pub(crate) struct SupertypeChain {
    storage: std::sync::Arc<[EngineTypeIndex]>,
    start: u32,
    len: u32,
}

impl SupertypeChain {
    /// `storage[start..start + len]`; the range must lie in `storage`.
    pub(crate) fn new(storage: std::sync::Arc<[EngineTypeIndex]>, start: usize, len: usize) -> Self {
        debug_assert!(start + len <= storage.len(), "chain {start}..{} outside {}", start + len, storage.len());
        SupertypeChain { storage, start: start as u32, len: len as u32 }
    }

    /// The chain, outermost first.
    pub(crate) fn as_slice(&self) -> &[EngineTypeIndex] {
        let start = self.start as usize;
        self.storage.get(start..start + self.len as usize).unwrap_or(&[])
    }
}

/// A chain of its own (tests).
impl From<Vec<EngineTypeIndex>> for SupertypeChain {
    fn from(chain: Vec<EngineTypeIndex>) -> Self {
        let len = chain.len();
        SupertypeChain::new(chain.into(), 0, len)
    }
}

/// Where one segment's display lies in memory, for compiled code: the
/// header that [`DisplayView`](crate::DisplayView)'s segment pointers point
/// at.
///
/// Both arrays live as long as the registry (segments are type-stable
/// memory, freed only when the registry is dropped) and never move.
#[repr(C)]
#[derive(Debug)]
pub struct SegmentDisplay {
    /// `len` state words, one per slot (see [`DisplayView`](crate::DisplayView)
    /// for their bits).
    pub states: *const AtomicU64,
    /// [`display_len`](crate::DisplayView::display_len) `* len` ancestors,
    /// depth by depth: slot `i`'s ancestor at depth `d` is
    /// `columns[d * len + i]`, and `u32::MAX` at every depth the type does
    /// not have.
    pub columns: *const AtomicU32,
    /// How many slots the segment has.
    pub len: u64,
}

impl SegmentDisplay {
    /// Loads 2 and 3 of the inline check that
    /// [`DisplayView`](crate::DisplayView) documents: slot `offset`'s
    /// column entry at `depth`, read through this header's `columns`
    /// pointer as compiled code reads it. `None` if `depth` is not below
    /// [`DISPLAY_LEN`] or `offset` not below `len`.
    ///
    /// The load is `Relaxed`: the entry is the ancestor that the slot's
    /// occupant's registration wrote, ordered before the caller by that
    /// registration, as long as the caller keeps the occupant registered.
    /// Otherwise it is a value some occupant of the slot wrote (or
    /// [`UNSET`]), with no more meaning but no less safety.
    ///
    /// # Safety
    /// `self` is the header of a [`Display`] that still lives, and whose
    /// header [`Display::point_header`] pointed where the display stays
    /// (as every header a published segment holds).
    #[inline]
    pub(crate) unsafe fn column_entry(&self, depth: usize, offset: usize) -> Option<u32> {
        let len = usize::try_from(self.len).ok()?;
        if depth >= DISPLAY_LEN || offset >= len {
            return None;
        }
        let position = depth.checked_mul(len)?.checked_add(offset)?;
        // SAFETY: by the caller's contract, `columns` points at the
        // display's `DISPLAY_LEN * len` column entries, which live as long
        // as the display and never move; `position` is below
        // `DISPLAY_LEN * len` since `depth < DISPLAY_LEN` and `offset < len`.
        let entry = unsafe { &*self.columns.add(position) };
        Some(entry.load(Ordering::Relaxed))
    }
}

/// The display of one segment of slots, column by column.
///
/// `repr(C)` with [`SegmentDisplay`] first, so that a pointer to the
/// display is a pointer to its header (and the index table puts the display
/// first in its segments in turn).
#[repr(C)]
pub(crate) struct Display {
    /// Raw pointers into `states` and `columns`, for compiled code.
    header: SegmentDisplay,
    /// Each slot's [`DisplayState`]: its depth (its chain's length) and
    /// whether it is visible; 0 while the slot is empty.
    states: Box<[AtomicU64]>,
    /// Slot `i`'s ancestor at depth `d` at `d * len + i`, for `d` below
    /// its depth; [`UNSET`] beyond it while the slot is occupied.
    columns: Box<[AtomicU32]>,
    /// The whole supertype chain of a type deeper than `DISPLAY_LEN`; read
    /// by `is_subtype` for ancestors at depth `DISPLAY_LEN` or more. Empty
    /// for shallower types, so that registering and unregistering them
    /// touches no arc-swap.
    deep: Box<[PublishedCell<SupertypeChain>]>,
}

impl Display {
    /// The display of `len` empty slots.
    pub(crate) fn new(len: usize) -> Self {
        let states: Box<[AtomicU64]> = (0..len).map(|_| AtomicU64::new(DisplayState::NEW.0)).collect();
        let columns: Box<[AtomicU32]> = (0..len * DISPLAY_LEN).map(|_| AtomicU32::new(UNSET)).collect();
        Display {
            // Pointed by `point_header` once the display is where it stays:
            // a pointer taken here would be derived from boxes that are
            // still to be moved, which invalidates it under Stacked Borrows.
            header: SegmentDisplay { states: std::ptr::null(), columns: std::ptr::null(), len: len as u64 },
            states,
            columns,
            deep: (0..len).map(|_| PublishedCell::empty()).collect(),
        }
    }

    /// The heap bytes the display of a segment of `len` slots allocates:
    /// per slot, its state word, [`DISPLAY_LEN`] column entries and its
    /// deep-chain cell (the chains themselves belong to their groups).
    pub(crate) fn heap_bytes(len: usize) -> usize {
        len * (size_of::<AtomicU64>()
            + DISPLAY_LEN * size_of::<AtomicU32>()
            + size_of::<PublishedCell<SupertypeChain>>())
    }

    /// Points the header at the columns, once the display has reached the
    /// place it keeps for its whole life (the boxes' contents never move,
    /// so the pointers stay valid as long as the display). Before that,
    /// the header's pointers are null.
    pub(crate) fn point_header(&mut self) {
        self.header.states = self.states.as_ptr();
        self.header.columns = self.columns.as_ptr();
    }

    /// Slot `offset`'s entry; `offset` must be below the segment's length.
    pub(crate) fn at(&self, offset: usize) -> DisplayRef<'_> {
        DisplayRef { display: self, offset }
    }

    /// Slot `offset`'s ancestor at `depth` (below [`DISPLAY_LEN`]).
    fn column(&self, depth: usize, offset: usize) -> Option<&AtomicU32> {
        (depth < DISPLAY_LEN).then(|| self.columns.get(depth * self.states.len() + offset)).flatten()
    }
}

// The header's raw pointers would remove `Send` and `Sync`, which the other
// fields have.
// SAFETY: the header's pointers point into `states` and `columns`, which the
// display owns and never reallocates; they are only read through, with
// atomic loads, exactly like the boxes themselves, which are `Send + Sync`.
unsafe impl Send for Display {}
// SAFETY: as for `Send`.
unsafe impl Sync for Display {}

/// One slot's entry in the display.
#[derive(Clone, Copy)]
pub(crate) struct DisplayRef<'t> {
    display: &'t Display,
    offset: usize,
}

impl<'t> DisplayRef<'t> {
    fn state_cell(self) -> &'t AtomicU64 {
        &self.display.states[self.offset]
    }

    /// [`set_ancestors`](Self::set_ancestors) of a whole chain: the tests'
    /// and models' way in.
    #[cfg(test)]
    pub(crate) fn set_supertypes(self, chain: SupertypeChain) {
        let deep = (chain.as_slice().len() > DISPLAY_LEN).then(|| chain.clone());
        self.set_ancestors(chain.as_slice(), deep);
    }

    /// Records the supertype chain `ancestors` (outermost first) of the
    /// type being prepared here; the slot is not visible until
    /// [`show`](Self::show). Only the thread that reserved the index calls
    /// it, on an empty slot. The display keeps the chain whole (`deep`, the
    /// same chain) only when it is longer than [`DISPLAY_LEN`]: a
    /// registration need not build a shared chain for a type the columns
    /// hold entirely.
    pub(crate) fn set_ancestors(self, ancestors: &[EngineTypeIndex], deep: Option<SupertypeChain>) {
        debug_assert_eq!(
            deep.as_ref().map(SupertypeChain::as_slice),
            (ancestors.len() > DISPLAY_LEN).then_some(ancestors),
            "a deep chain goes with exactly the types deeper than the display"
        );
        // `Release` fence before the column stores: a reader whose
        // `Acquire` fence follows its read of one of them re-reads the
        // state at least as new as the emptying that preceded us (see the
        // module's Synchronization section).
        fence(Ordering::Release);
        let depth = ancestors.len();
        let ancestors = ancestors.iter().map(|ancestor| ancestor.as_u32());
        // Every depth, `UNSET` past the type's own: compiled code that
        // compares the entry at a constant depth with a constant supertype
        // needs no depth check (see `DisplayView`).
        for (depth, ancestor) in ancestors.chain(std::iter::repeat(UNSET)).take(DISPLAY_LEN).enumerate() {
            if let Some(column) = self.display.column(depth, self.offset) {
                // `Relaxed`: published by the `Release` state store below.
                column.store(ancestor, Ordering::Relaxed);
            }
        }
        // `Relaxed` load: the last store was this slot's emptying, ordered
        // before us by the free list's hand-off of the index.
        let state = DisplayState(self.state_cell().load(Ordering::Relaxed)).prepared(depth);
        if let Some(chain) = deep {
            self.display.deep[self.offset].store(Some(Arc::new(chain)));
        }
        // `Release`: a reader that `Acquire`s this state sees the columns
        // (and the deep chain) written above.
        self.state_cell().store(state.0, Ordering::Release);
    }

    /// Makes the prepared type visible to readers: its group was just
    /// inserted into the hash-consing map.
    pub(crate) fn show(self) {
        // `Relaxed` load: our own last store (`set_ancestors`).
        let state = DisplayState(self.state_cell().load(Ordering::Relaxed));
        debug_assert!(!state.is_visible(), "showed a slot twice");
        // `Release`: as in `set_ancestors`, publishes the columns to a
        // reader that `Acquire`s the visible state.
        self.state_cell().store(state.shown().0, Ordering::Release);
    }

    /// Empties the slot: the type is being unregistered (or was never
    /// registered). Only the thread that unregisters (or abandons) the
    /// group calls it.
    pub(crate) fn clear_supertypes(self) {
        // `Relaxed`: readers that see the old state re-check it after
        // reading a column (see the module docs); the next occupant's
        // `Release` fence orders this store before its column writes. Only
        // this thread writes the slot now, so the load reads the state it
        // (or the preparing thread, before handing the group over) set.
        let old = DisplayState(self.state_cell().load(Ordering::Relaxed));
        self.state_cell().store(old.emptied().0, Ordering::Relaxed);
        if old.depth() > DISPLAY_LEN {
            self.display.deep[self.offset].store(None);
        }
    }

    /// The type's whole supertype chain, outermost first (for building the
    /// chain of a new subtype, which keeps this type registered).
    pub(crate) fn supertype_chain(self) -> Vec<EngineTypeIndex> {
        let depth = self.depth();
        if depth > DISPLAY_LEN {
            return self.display.deep[self.offset]
                .with(|chain| chain.map_or_else(Vec::new, |chain| chain.as_slice().to_vec()));
        }
        (0..depth)
            .filter_map(|depth| self.display.column(depth, self.offset))
            // `Relaxed`: the caller keeps the type registered, so the
            // columns do not change; `depth` was read with `Acquire`.
            .map(|column| EngineTypeIndex::from_u32(column.load(Ordering::Relaxed)))
            .collect()
    }

    /// The type's depth (how many supertypes it has), visible or not: for a
    /// caller that keeps the type registered.
    #[inline]
    pub(crate) fn depth(self) -> usize {
        self.state().depth()
    }

    /// The slot's generation (see [`DisplayState::generation`]): for a
    /// caller that keeps the occupant registered.
    #[inline]
    pub(crate) fn generation(self) -> u64 {
        self.state().generation()
    }

    /// The type's depth if the slot is visible.
    #[inline]
    pub(crate) fn visible_depth(self) -> Option<usize> {
        self.visible_state().map(DisplayState::depth)
    }

    /// The slot's state if it is visible: the first half of a read of the
    /// slot (its display or its payload) that
    /// [`unchanged_since`](Self::unchanged_since) completes.
    #[inline]
    pub(crate) fn visible_state(self) -> Option<DisplayState> {
        Some(self.state()).filter(|state| state.is_visible())
    }

    /// Whether the slot is still in `state`, seen by
    /// [`visible_state`](Self::visible_state) before the caller read the
    /// slot's other data: then that data belongs to the occupant that was
    /// visible all along.
    #[inline]
    pub(crate) fn unchanged_since(self, state: DisplayState) -> bool {
        // `Acquire` fence, then the state again (`Relaxed`): if what the
        // caller read was written by a later occupant, that occupant's
        // `Release` fence (or its `Release` publication) synchronizes with
        // this fence, and the re-read sees a newer state.
        fence(Ordering::Acquire);
        self.state_cell().load(Ordering::Relaxed) == state.0
    }

    #[inline]
    fn state(self) -> DisplayState {
        // `Acquire`: pairs with the `Release` stores of `set_ancestors` and
        // `show`, so the columns of the occupant whose state we see are
        // visible.
        DisplayState(self.state_cell().load(Ordering::Acquire))
    }

    /// Whether the slot is visible and the type's ancestor at `depth` is
    /// `ancestor`, all at one instant: from the display for shallow depths,
    /// from the published chain for deep ones, re-checked against the state
    /// (see the module's Synchronization section).
    #[inline]
    pub(crate) fn has_ancestor_at(self, depth: usize, ancestor: EngineTypeIndex) -> bool {
        let Some(state) = self.visible_state().filter(|state| depth < state.depth()) else {
            return false;
        };
        let found = match self.display.column(depth, self.offset) {
            // `Relaxed`: ordered by the state loads around it.
            Some(column) => column.load(Ordering::Relaxed) == ancestor.as_u32(),
            None => self.display.deep[self.offset]
                .with(|chain| chain.is_some_and(|chain| chain.as_slice().get(depth) == Some(&ancestor))),
        };
        found && self.unchanged_since(state)
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn supertype_chains_round_trip_around_the_display_length_and_show_only_when_visible() {
        let display = Display::new(1);
        let slot = display.at(0);
        for depth in [0, 1, DISPLAY_LEN - 1, DISPLAY_LEN, DISPLAY_LEN + 1, 63, 2] {
            let chain: Vec<EngineTypeIndex> = (0..depth as u32).map(|d| EngineTypeIndex::from_u32(1000 + d)).collect();
            slot.set_supertypes(chain.clone().into());
            assert_eq!(slot.depth(), depth);
            assert_eq!(slot.visible_depth(), None);
            assert!((0..70).all(|d| !slot.has_ancestor_at(d, EngineTypeIndex::from_u32(1000 + d as u32))));
            slot.show();
            assert_eq!(slot.visible_depth(), Some(depth));
            assert_eq!(slot.supertype_chain(), chain);
            for d in 0..70 {
                let expected = chain.get(d).copied();
                assert_eq!(slot.has_ancestor_at(d, EngineTypeIndex::from_u32(1000 + d as u32)), expected.is_some());
            }
            slot.clear_supertypes();
            assert_eq!(slot.depth(), 0);
            assert_eq!(slot.visible_depth(), None);
            assert!(slot.supertype_chain().is_empty());
            assert!((0..70).all(|d| !slot.has_ancestor_at(d, EngineTypeIndex::from_u32(1000 + d as u32))));
        }
    }

    /// Chains that share one storage (a subtype extending its supertype's
    /// range) answer as chains of their own would.
    #[test]
    fn chains_sharing_storage_answer_for_their_own_range() {
        let storage: std::sync::Arc<[EngineTypeIndex]> = (0..20).map(|d| EngineTypeIndex::from_u32(100 + d)).collect();
        let display = Display::new(2);
        let (upper, lower) = (display.at(0), display.at(1));
        upper.set_supertypes(SupertypeChain::new(storage.clone(), 0, 12));
        lower.set_supertypes(SupertypeChain::new(storage.clone(), 0, 13));
        upper.show();
        lower.show();
        assert_eq!(upper.supertype_chain(), storage[..12].to_vec());
        assert_eq!(lower.supertype_chain(), storage[..13].to_vec());
        assert!(lower.has_ancestor_at(12, EngineTypeIndex::from_u32(112)));
        assert!(!upper.has_ancestor_at(12, EngineTypeIndex::from_u32(112)), "read past its own range");
        assert!(upper.has_ancestor_at(11, EngineTypeIndex::from_u32(111)));
    }

    /// A reader's re-check must see a reuse even when the new occupant has
    /// the old one's depth: the generation tells them apart.
    #[test]
    fn reuse_at_the_same_depth_changes_the_state() {
        let display = Display::new(1);
        let slot = display.at(0);
        slot.set_supertypes(vec![EngineTypeIndex::from_u32(1)].into());
        slot.show();
        let before = slot.visible_state().unwrap();
        assert!(slot.unchanged_since(before));
        slot.clear_supertypes();
        slot.set_supertypes(vec![EngineTypeIndex::from_u32(2)].into());
        slot.show();
        assert_eq!(slot.visible_depth(), Some(1));
        assert!(!slot.unchanged_since(before));
        assert_eq!(slot.generation(), before.generation() + 1);
    }

    /// Keys compare generations for as long as embedders keep them, so the
    /// generation must not wrap where a 24-bit one would (2^24 reuses of
    /// one slot), nor lose the depth and visibility bits next to it.
    #[test]
    fn generations_do_not_wrap_at_24_bits() {
        let state = DisplayState(((1u64 << 24) - 1) << DisplayState::GENERATION_SHIFT).prepared(3).shown();
        let next = state.emptied();
        assert_eq!(next.generation(), 1 << 24);
        assert_ne!(next.generation(), 0);
        let refilled = next.prepared(3).shown();
        assert_eq!((refilled.depth(), refilled.is_visible()), (3, true));
        assert_ne!(refilled, state, "a refill after 2^24 emptyings looks like the first occupant");
    }
}

/// The display's sequence lock under loom: a reader racing the reuse of a
/// slot gets one occupant's answer, never a mix.
#[cfg(all(test, loom))]
mod loom_tests {
    use loom::thread;

    use super::*;
    use crate::raw::sync::run_model;

    fn chain(indices: &[u32]) -> SupertypeChain {
        indices.iter().map(|&i| EngineTypeIndex::from_u32(i)).collect::<Vec<_>>().into()
    }

    /// The torn display on index reuse. The slot held a type with ancestor
    /// 11 at depth 1, then one of depth 1 (so 11 stays in the column, stale);
    /// another thread now empties it and fills it with a type of depth 2
    /// whose ancestor at depth 1 is 21. Before and after, "is the ancestor
    /// at depth 1 equal to 11?" is `false`; a reader that paired the new
    /// depth with the stale column answered `true`.
    #[test]
    fn reuse_never_pairs_a_new_depth_with_a_stale_ancestor() {
        run_model(|| {
            let display = Arc::new(Display::new(1));
            let slot = display.at(0);
            slot.set_supertypes(chain(&[10, 11]));
            slot.show();
            slot.clear_supertypes();
            slot.set_supertypes(chain(&[12]));
            slot.show();
            let reader = thread::spawn({
                let display = display.clone();
                move || display.at(0).has_ancestor_at(1, EngineTypeIndex::from_u32(11))
            });
            slot.clear_supertypes();
            slot.set_supertypes(chain(&[20, 21]));
            slot.show();
            let torn = reader.join().unwrap();
            assert!(!torn, "torn display: a new depth with a stale ancestor");
        });
    }

    /// The other mix: the old occupant's state with a column the next
    /// occupant wrote while it was only prepared (say its group is about to
    /// lose the insertion race). The reader must not answer from a type
    /// that was never registered: the re-check after the column read sees
    /// the emptying.
    #[test]
    fn a_reader_never_pairs_an_old_state_with_a_prepared_ancestor() {
        run_model(|| {
            let display = Arc::new(Display::new(1));
            let slot = display.at(0);
            slot.set_supertypes(chain(&[10, 11]));
            slot.show();
            let writer = thread::spawn({
                let display = display.clone();
                move || {
                    let slot = display.at(0);
                    slot.clear_supertypes();
                    slot.set_supertypes(chain(&[20, 21]));
                }
            });
            let mixed = display.at(0).has_ancestor_at(1, EngineTypeIndex::from_u32(21));
            assert!(!mixed, "answered from a prepared occupant's column");
            writer.join().unwrap();
        });
    }

    /// A prepared slot is not visible: a reader never sees the ancestors of
    /// a type whose group is not (yet) registered.
    #[test]
    fn a_prepared_slot_answers_nothing() {
        run_model(|| {
            let display = Arc::new(Display::new(1));
            let reader = thread::spawn({
                let display = display.clone();
                move || display.at(0).has_ancestor_at(0, EngineTypeIndex::from_u32(30))
            });
            display.at(0).set_supertypes(chain(&[30]));
            assert!(!reader.join().unwrap(), "a prepared slot answered");
        });
    }
}
