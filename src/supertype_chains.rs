//! Supertype chains laid out so that subtypes share their supertype's
//! prefix: the one chain builder behind the module builder's
//! equivalence-aware checks ([`LocalTypes`](crate::module)) and the
//! registry's view of a new rec group (`GroupView`).
//!
//! A type's chain is its declared supertypes, outermost first: entry `d` is
//! its ancestor at depth `d`, and its length is its depth. Every subtype of a
//! type `P` has the same chain: `P`'s chain followed by `P`. So the chains
//! live in one storage, each a range of it, and the range below `P` is laid
//! out once, by `P`'s first subtype, and shared by all the others: in place,
//! when `P`'s own chain ends the storage (a run of subtypes one below the
//! other costs one entry a type), and otherwise as one copy of `P`'s chain
//! plus `P`. A type costs a range (8 bytes) and a memo (4 bytes) whatever its
//! depth, and the storage holds at most one chain per type that has a
//! subtype: one subtype chain of 63, or thousands of siblings below its
//! deepest type, cost about one entry a type, not one chain a type.
//!
//! Generic over how an ancestor is named (`R`): the module builder names
//! them by module index, the registry by rec-group position inside the new
//! group and by engine index outside it. A supertype that the builder does
//! not track (a registered type, for the registry) brings its own chain,
//! copied once however many types of the group it is the supertype of.

use std::collections::HashMap;
use std::hash::Hash;

use crate::canon::FixedState;

/// A type's chain: `len` entries of the storage from `start`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ChainRange {
    /// Where the chain starts in the storage.
    pub(crate) start: u32,
    /// The chain's length: the type's depth.
    pub(crate) len: u32,
}

impl ChainRange {
    fn end(self) -> usize {
        self.start as usize + self.len as usize
    }

    fn as_range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end()
    }

    /// The chain of a subtype of the type whose chain this is, laid out
    /// from `start`: one longer.
    fn below_at(self, start: u32) -> ChainRange {
        ChainRange { start, len: self.len + 1 }
    }
}

/// Marks a type whose subtypes' chain is not laid out yet.
const NOT_YET: u32 = u32::MAX;

/// One type: its chain, and where its subtypes' chain (its own chain, then
/// itself) starts once one of them was added ([`NOT_YET`] before).
#[derive(Clone, Copy, Debug)]
struct Entry {
    chain: ChainRange,
    below: u32,
}

/// The supertype chains of a run of types added in order (every supertype
/// before its subtypes), in one storage shared by prefix (see the module
/// docs). A type is named by the order it was added in.
#[derive(Debug)]
pub(crate) struct SupertypeChains<R> {
    storage: Vec<R>,
    /// Each type, in the order added.
    types: Vec<Entry>,
    /// The chain below each supertype outside the run, by name (names are
    /// indices the crate hands out, hence the fixed seeds).
    below_outside: HashMap<R, ChainRange, FixedState>,
}

impl<R: Copy + Eq + Hash> SupertypeChains<R> {
    /// No types yet, with room for `types` of them.
    pub(crate) fn with_capacity(types: usize) -> Self {
        SupertypeChains { storage: Vec::new(), types: Vec::with_capacity(types), below_outside: HashMap::default() }
    }

    /// How many types were added.
    pub(crate) fn len(&self) -> usize {
        self.types.len()
    }

    /// Adds a type without a supertype (or whose chain nobody asks for).
    pub(crate) fn push_root(&mut self) {
        let start = u32::try_from(self.storage.len()).unwrap_or(u32::MAX);
        self.push(ChainRange { start, len: 0 });
    }

    /// Adds a subtype of the type added `parent`-th, which chains name
    /// `name`. The caller checked that `parent` was added already (a
    /// supertype is earlier), and the depth.
    pub(crate) fn push_below(&mut self, parent: usize, name: R) {
        let Some(&Entry { chain: above, below }) = self.types.get(parent) else {
            debug_assert!(false, "supertype {parent} of type {} not added yet", self.len());
            return self.push_root();
        };
        let chain = if below == NOT_YET {
            let chain = self.lay_out_below(above, name);
            self.types[parent].below = chain.start;
            chain
        } else {
            above.below_at(below)
        };
        self.push(chain);
    }

    /// Adds a subtype of `name`, a type outside the run whose own chain
    /// `chain_of_name` gives (asked once per distinct `name`). The caller
    /// checked the depth.
    pub(crate) fn push_below_outside<I: IntoIterator<Item = R>>(&mut self, name: R, chain_of_name: impl FnOnce() -> I) {
        let chain = match self.below_outside.get(&name) {
            Some(&chain) => chain,
            None => {
                let start = self.storage.len();
                self.storage.extend(chain_of_name());
                let above = ChainRange {
                    start: u32::try_from(start).unwrap_or(u32::MAX),
                    len: u32::try_from(self.storage.len() - start).unwrap_or(u32::MAX),
                };
                let chain = self.lay_out_below(above, name);
                self.below_outside.insert(name, chain);
                chain
            }
        };
        self.push(chain);
    }

    /// The chain of the type added `index`-th, outermost first.
    pub(crate) fn chain(&self, index: usize) -> Option<&[R]> {
        self.storage.get(self.types.get(index)?.chain.as_range())
    }

    /// The depth of the type added `index`-th.
    pub(crate) fn depth(&self, index: usize) -> Option<usize> {
        self.types.get(index).map(|entry| entry.chain.len as usize)
    }

    /// The storage all chains are ranges of.
    pub(crate) fn storage(&self) -> &[R] {
        &self.storage
    }

    /// Each type's chain, as a range of [`storage`](Self::storage), in the
    /// order added.
    pub(crate) fn ranges(&self) -> impl ExactSizeIterator<Item = ChainRange> + '_ {
        self.types.iter().map(|entry| entry.chain)
    }

    fn push(&mut self, chain: ChainRange) {
        self.types.push(Entry { chain, below: NOT_YET });
    }

    /// Lays out `above` followed by `name`: in place when `above` ends the
    /// storage, else as a copy.
    fn lay_out_below(&mut self, above: ChainRange, name: R) -> ChainRange {
        let above = if above.end() == self.storage.len() {
            above
        } else {
            let start = u32::try_from(self.storage.len()).unwrap_or(u32::MAX);
            self.storage.extend_from_within(above.as_range());
            ChainRange { start, len: above.len }
        };
        self.storage.push(name);
        above.below_at(above.start)
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    /// Chains of types given by their supertypes (`None`: a root; `Some(p)`:
    /// the `p`-th type), named by their position.
    fn chains_of(supertypes: &[Option<usize>]) -> SupertypeChains<usize> {
        let mut chains = SupertypeChains::with_capacity(supertypes.len());
        for &sup in supertypes {
            match sup {
                Some(parent) => chains.push_below(parent, parent),
                None => chains.push_root(),
            }
        }
        chains
    }

    /// Every chain is the walk up the supertypes, reversed.
    fn assert_chains(supertypes: &[Option<usize>], chains: &SupertypeChains<usize>) {
        for i in 0..supertypes.len() {
            let mut expected = Vec::new();
            let mut current = supertypes[i];
            while let Some(parent) = current {
                expected.push(parent);
                current = supertypes[parent];
            }
            expected.reverse();
            assert_eq!(chains.chain(i), Some(&expected[..]), "type {i}");
            assert_eq!(chains.depth(i), Some(expected.len()));
        }
    }

    /// A run of subtypes one below the other extends one chain in place;
    /// siblings below the deepest share it; nothing is copied.
    #[test]
    fn a_chain_and_its_siblings_cost_one_entry_a_type() {
        let mut supertypes: Vec<Option<usize>> = (0..63usize).map(|i| i.checked_sub(1)).collect();
        supertypes.extend(std::iter::repeat_n(Some(62), 1000));
        let chains = chains_of(&supertypes);
        assert_chains(&supertypes, &chains);
        assert_eq!(chains.storage.len(), 63);
    }

    /// Chains that branch copy a prefix once per type that has subtypes, not
    /// once per subtype.
    #[test]
    fn branches_copy_once_per_supertype() {
        // 0 <- 1 <- 2, then 0 <- 3 <- 4, 3 <- 5, 1 <- 6, 2 <- 7, 2 <- 8.
        let supertypes = [None, Some(0), Some(1), Some(0), Some(3), Some(3), Some(1), Some(2), Some(2)];
        let chains = chains_of(&supertypes);
        assert_chains(&supertypes, &chains);
        // 1 and 2 extend [0, 1] in place, 3 and 6 share their ranges; 4 and
        // 5 share one copy of [0] and 3, 7 and 8 one copy of [0, 1] and 2.
        assert_eq!(chains.storage, [0, 1, 0, 3, 0, 1, 2]);
    }

    /// Supertypes outside the run bring their chain, copied once each.
    #[test]
    fn outside_supertypes_are_copied_once() {
        let mut chains = SupertypeChains::with_capacity(4);
        for _ in 0..3 {
            chains.push_below_outside(100, || [98, 99]);
        }
        chains.push_below(1, 1);
        assert_eq!(chains.chain(0), Some(&[98, 99, 100][..]));
        assert_eq!(chains.chain(2), Some(&[98, 99, 100][..]));
        assert_eq!(chains.chain(3), Some(&[98, 99, 100, 1][..]));
        assert_eq!(chains.storage(), [98, 99, 100, 1]);
        assert_eq!(chains.ranges().nth(3), Some(ChainRange { start: 0, len: 4 }));
    }
}
