//! The supertype display: each slot's depth and its first [`DISPLAY_LEN`]
//! ancestors, stored column by column, and the whole chain of deeper types.
//!
//! `is_subtype(sub, sup)` reads `sup`'s depth `d`, `sub`'s depth, and `sub`'s
//! ancestor at depth `d`. Stored per slot, those would be two cache lines of
//! 64-byte slots per check, and a hierarchy of a few thousand types would not
//! fit in the L1 cache. Stored as columns, the depths of 64 types share a
//! line and the depth-`d` ancestors of 16, so a check over thousands of types
//! mostly hits L1, like the same check on a plain vector of supertype arrays.
//!
//! The idea is HotSpot's "primary supers" display (Click and Rose, *Fast
//! subtype checking in the HotSpot JVM*, 2002): real hierarchies are shallow
//! (dart2wasm's deepest chain is 9), so the display answers nearly every
//! check with plain loads; deeper ancestors are read from the published
//! [`SupertypeChain`].
//!
//! # Synchronization
//! `depths` and `columns` are written (`Relaxed`) by the thread that fills
//! the slot, before the index is handed to anyone: the payload's `Release`
//! publication, the shard lock of the hash-consing map, or a handle moved to
//! another thread all order those writes before any use of the index. While
//! the type stays registered they do not change, so readers that hold the
//! type read them with `Relaxed` loads and see the right values. A reader
//! that does not hold the type may see values of an earlier or later
//! occupant of the slot: memory-safe (they are atomics in memory that is
//! never freed), merely meaningless, which is what `is_subtype` promises for
//! indices the caller does not keep registered. The deep chains are
//! published through a [`PublishedCell`], which keeps a loaded chain alive
//! while it is read.

use crate::raw::sync::{Arc, AtomicU32, AtomicU8, Ordering, PublishedCell};
use crate::types::SharedTypeIndex;

/// How many ancestors each type keeps in the display.
pub(crate) const DISPLAY_LEN: usize = 10;

/// Marks a display entry that no type has written yet.
const UNSET: u32 = u32::MAX;

/// The declared supertypes of a type deeper than [`DISPLAY_LEN`], outermost
/// first: `chain[d]` is its ancestor at depth `d`, and `chain.len()` is its
/// own depth. Shallower types need none: their display holds the whole
/// chain.
pub(crate) struct SupertypeChain(pub(crate) Box<[SharedTypeIndex]>);

/// The display of one segment of slots, column by column.
pub(crate) struct Display {
    /// Each slot's depth (its chain's length); 0 while the slot is empty.
    depths: Box<[AtomicU8]>,
    /// `columns[d][i]`: slot `i`'s ancestor at depth `d`, for `d` below its
    /// depth; stale beyond it.
    columns: [Box<[AtomicU32]>; DISPLAY_LEN],
    /// The whole supertype chain of a type deeper than `DISPLAY_LEN`; read
    /// by `is_subtype` for ancestors at depth `DISPLAY_LEN` or more. Empty
    /// for shallower types, so that registering and unregistering them
    /// touches no arc-swap.
    deep: Box<[PublishedCell<SupertypeChain>]>,
}

impl Display {
    /// The display of `len` empty slots.
    pub(crate) fn new(len: usize) -> Self {
        Display {
            depths: (0..len).map(|_| AtomicU8::new(0)).collect(),
            columns: std::array::from_fn(|_| (0..len).map(|_| AtomicU32::new(UNSET)).collect()),
            deep: (0..len).map(|_| PublishedCell::empty()).collect(),
        }
    }

    /// Slot `offset`'s entry; `offset` must be below the segment's length.
    pub(crate) fn at(&self, offset: usize) -> DisplayRef<'_> {
        DisplayRef { display: self, offset }
    }
}

/// One slot's entry in the display.
#[derive(Clone, Copy)]
pub(crate) struct DisplayRef<'t> {
    display: &'t Display,
    offset: usize,
}

impl DisplayRef<'_> {
    /// Records the supertype chain of the type being published here.
    pub(crate) fn set_supertypes(self, chain: Box<[SharedTypeIndex]>) {
        for (column, ancestor) in self.display.columns.iter().zip(chain.iter()) {
            // `Relaxed`: see the module's Synchronization section.
            column[self.offset].store(ancestor.as_u32(), Ordering::Relaxed);
        }
        // `Relaxed`: as above. The chain is at most 63 long.
        self.display.depths[self.offset].store(chain.len() as u8, Ordering::Relaxed);
        if chain.len() > DISPLAY_LEN {
            self.display.deep[self.offset].store(Some(Arc::new(SupertypeChain(chain))));
        }
    }

    /// Forgets the supertype chain of the type being retired from here.
    pub(crate) fn clear_supertypes(self) {
        // `Relaxed`: readers that still hold the old type misuse the index;
        // they see the old depth or 0, either is memory-safe. Only this
        // thread writes the slot now, so the swap reads the depth it set.
        let depth = usize::from(self.display.depths[self.offset].swap(0, Ordering::Relaxed));
        if depth > DISPLAY_LEN {
            self.display.deep[self.offset].store(None);
        }
    }

    /// The type's whole supertype chain, outermost first (for building the
    /// chain of a new subtype, which keeps this type registered).
    pub(crate) fn supertype_chain(self) -> Vec<SharedTypeIndex> {
        let depth = self.depth();
        if depth > DISPLAY_LEN {
            return self.display.deep[self.offset].with(|chain| chain.map_or_else(Vec::new, |chain| chain.0.to_vec()));
        }
        self.display.columns[..depth]
            .iter()
            // `Relaxed`: see the module's Synchronization section.
            .map(|column| SharedTypeIndex::from_u32(column[self.offset].load(Ordering::Relaxed)))
            .collect()
    }

    /// The type's depth: how many supertypes it has.
    #[inline]
    pub(crate) fn depth(self) -> usize {
        // `Relaxed`: see the module's Synchronization section.
        usize::from(self.display.depths[self.offset].load(Ordering::Relaxed))
    }

    /// Whether the type's ancestor at `depth` is `ancestor`: from the
    /// display for shallow depths, from the published chain for deep ones.
    #[inline]
    pub(crate) fn has_ancestor_at(self, depth: usize, ancestor: SharedTypeIndex) -> bool {
        if depth >= self.depth() {
            return false;
        }
        match self.display.columns.get(depth) {
            // `Relaxed`: see the module's Synchronization section.
            Some(column) => column[self.offset].load(Ordering::Relaxed) == ancestor.as_u32(),
            None => self.display.deep[self.offset]
                .with(|chain| chain.is_some_and(|chain| chain.0.get(depth) == Some(&ancestor))),
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn supertype_chains_round_trip_around_the_display_length() {
        let display = Display::new(1);
        let slot = display.at(0);
        for depth in [0, 1, DISPLAY_LEN - 1, DISPLAY_LEN, DISPLAY_LEN + 1, 63, 2] {
            let chain: Vec<SharedTypeIndex> = (0..depth as u32).map(|d| SharedTypeIndex::from_u32(1000 + d)).collect();
            slot.set_supertypes(chain.clone().into());
            assert_eq!(slot.depth(), depth);
            assert_eq!(slot.supertype_chain(), chain);
            for d in 0..70 {
                let expected = chain.get(d).copied();
                assert_eq!(slot.has_ancestor_at(d, SharedTypeIndex::from_u32(1000 + d as u32)), expected.is_some());
            }
            slot.clear_supertypes();
            assert_eq!(slot.depth(), 0);
            assert!(slot.supertype_chain().is_empty());
            assert!((0..70).all(|d| !slot.has_ancestor_at(d, SharedTypeIndex::from_u32(1000 + d as u32))));
        }
    }
}
