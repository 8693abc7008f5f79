//! The supertype display as compiled code reads it: a type's depth and
//! supertype chain by index, and [`DisplayView`], the raw layout a JIT
//! inlines `ref.cast`, `ref.test` and `call_indirect` checks against.

use super::TypeRegistry;
use crate::raw::supertype_display::{SegmentDisplay, DISPLAY_LEN};
use crate::raw::sync::AtomicPtr;
use crate::raw::table::{locate, SEGMENT_COUNT, SEGMENT_SHIFT};
use crate::types::EngineTypeIndex;

/// Where the registry's supertype display lies in memory, for compiled code
/// (Wasmtime #13484; V8 and SpiderMonkey inline the same check over their
/// RTTs' supertype arrays).
///
/// # Layout
/// The index table is [`segment_count`](Self::segment_count) segments;
/// segment `k` holds `1 << (segment_shift + k)` slots. Index `i` lives in
/// segment `k = 63 - lzcnt(b) - segment_shift` at offset
/// `b - (1 << (segment_shift + k))`, where `b = i + (1 << segment_shift)`
/// ([`DisplayView::locate`] computes it). `segments[k]` is a pointer to the
/// segment's [`SegmentDisplay`] header (null until the segment's first index
/// is handed out), whose `columns` hold, for each slot `o` and each depth
/// `d` below [`display_len`](Self::display_len), the slot's ancestor at
/// depth `d` at `columns[d * len + o]`: the index of its supertype at that
/// depth, or `u32::MAX` at every depth the type does not reach.
///
/// # The inline check
/// "Is `sub` a subtype of `sup`", for a `sup` known when compiling (so its
/// depth `d` is known: [`TypeRegistry::depth`]) with `d < display_len`, and
/// a `sub` that the running code keeps registered (the type of a live
/// object, of a function in a live table):
///
/// ```text
/// if sub == sup: true
/// b   = sub + (1 << segment_shift)
/// k   = 63 - lzcnt(b) - segment_shift
/// o   = b - (1 << (segment_shift + k))
/// seg = load segments[k]                          ; load 1 (Acquire)
/// col = load seg.columns                          ; load 2 (same line as seg)
/// a   = load col[d * (1 << (segment_shift + k)) + o]   ; load 3
/// a == sup
/// ```
///
/// Three dependent loads, no depth check and no branch besides the
/// equality: a type shallower than `d` has `u32::MAX` at depth `d`, which
/// no `sup` equals. Every load is a plain `mov` on x86 and AArch64 (`ldar`
/// for the first on AArch64, or `ldr` after the registration that the
/// running code synchronized with, which already ordered it). For
/// `d >= display_len` the compiled code calls [`TypeRegistry::is_subtype`].
/// [`DisplayView::is_subtype_at_depth`] runs this sequence in Rust, load by
/// load: a reference to test compiled code against, or the check of an
/// interpreter.
///
/// # What stays valid while types come and go
/// - `segments`, every non-null `segments[k]`, and its `states` and
///   `columns` pointers are fixed for the registry's whole life: segments
///   are type-stable memory, allocated once and freed only when the last
///   handle on the registry is dropped. Compiled code may bake them in as
///   constants once the segment exists (it does for every index the code
///   has seen).
/// - A slot's entries change only when its type is unregistered and the
///   index reused: while the code keeps `sub` registered, the three loads
///   read the same values every time.
/// - For a `sub` the code does *not* keep registered (a raw index from
///   elsewhere), the entries may belong to a type being unregistered or
///   prepared. Then the check must follow the display's sequence lock:
///   load the state word `s = seg.states[o]` with `Acquire` before the
///   column (load 4, from the `states` pointer, load 5), require
///   `s & VISIBLE`, and after the column load an `Acquire` fence (free on
///   x86) and the state again, which must equal `s` (load 6). The state
///   word's bits: depth in [`DisplayView::DEPTH_MASK`], visibility in
///   [`DisplayView::VISIBLE`], and a generation above them that every
///   reuse of the slot advances.
///
/// # Examples
/// ```
/// use wasm_type_registry::*;
///
/// let registry = TypeRegistry::new();
/// let mut builder = ModuleTypes::builder();
/// let base = builder.sub_type(SubType::struct_(false, None, []));
/// builder.sub_type(SubType::struct_(false, Some(TypeRef::Module(base)), []));
/// let types = registry.register_module(&builder.build()?)?;
/// let (base, derived) = (types.engine_types()[0], types.engine_types()[1]);
/// assert_eq!(registry.depth(derived), Some(1));
/// assert_eq!(registry.supertypes(derived), Some(vec![base]));
///
/// let view = registry.display_view();
/// let (segment, offset) = view.locate(derived);
/// assert!(segment < view.segment_count as usize);
/// assert!(offset < view.segment_len(segment));
/// assert_eq!(view.is_subtype_at_depth(&registry, derived, base, 0), Some(true));
/// # Ok::<(), RegistryError>(())
/// ```
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DisplayView {
    /// `segment_count` pointers, each null or pointing at a segment's
    /// [`SegmentDisplay`].
    pub segments: *const AtomicPtr<SegmentDisplay>,
    /// How many segment pointers there are.
    pub segment_count: u32,
    /// Segment `k` holds `1 << (segment_shift + k)` slots.
    pub segment_shift: u32,
    /// How many depths the display holds (deeper ancestors are checked by
    /// [`TypeRegistry::is_subtype`]).
    pub display_len: u32,
}

impl DisplayView {
    /// The state word's depth bits.
    pub const DEPTH_MASK: u64 = 0x7f;
    /// The state word's visibility bit: the type's rec group is registered.
    pub const VISIBLE: u64 = 0x80;
    /// The column entry of a depth the type does not reach.
    pub const NO_ANCESTOR: u32 = u32::MAX;

    /// The segment and the offset in it of `index`'s slot.
    pub fn locate(&self, index: EngineTypeIndex) -> (usize, usize) {
        locate(index.as_u32())
    }

    /// How many slots segment `segment` holds.
    pub fn segment_len(&self, segment: usize) -> usize {
        1 << (self.segment_shift as usize + segment)
    }

    /// The inline check ("is `sub` a subtype of `sup`, whose depth is
    /// `depth`") run as compiled code runs it over this view: `sub == sup`,
    /// then the three loads of the [sequence](Self#the-inline-check)
    /// through [`segments`](Self::segments) and the segment's
    /// [`SegmentDisplay`], and a comparison with `sup`. `depth` is `sup`'s
    /// depth ([`TypeRegistry::depth`]); with another depth the answer is
    /// whether `sub`'s ancestor at `depth` is `sup`.
    ///
    /// `registry` is the registry this view came from: the view is a plain
    /// value whose pointers are valid only while that registry lives, so
    /// the method reads through them only while `registry` is borrowed and
    /// only if `self` is exactly `registry.display_view()`.
    ///
    /// # Answers
    /// - `None` where the inline check does not apply, and compiled code
    ///   calls [`TypeRegistry::is_subtype`] instead: `self` is not
    ///   `registry`'s view (another registry's, or fields changed),
    ///   `depth` is not below [`display_len`](Self::display_len), or `sub`
    ///   lies in a segment that was never allocated (so it was never
    ///   registered).
    /// - `Some(true)` if `sub == sup`.
    /// - Otherwise `Some` of whether `sub`'s display entry at `depth` is
    ///   `sup`. While the caller keeps `sub` registered (as compiled code
    ///   keeps the type of a live object), that is
    ///   `registry.is_subtype(sub, sup)`. An index the registry never
    ///   handed out has [`NO_ANCESTOR`](Self::NO_ANCESTOR) at every depth,
    ///   so `Some(false)`, as `is_subtype` answers. An index that held a
    ///   type and holds none now (unregistered, or prepared for a group
    ///   that another thread registered first) keeps that type's entries
    ///   until the index is reused, so the answer may be that type's: for
    ///   an index the caller does not keep registered, call
    ///   [`TypeRegistry::is_subtype`], which checks that `sub` is
    ///   registered.
    ///
    /// Never a panic, whatever the arguments.
    ///
    /// # Examples
    /// ```
    /// use wasm_type_registry::*;
    ///
    /// let registry = TypeRegistry::new();
    /// let base = registry.register_type(SubType::struct_(false, None, []))?;
    /// let derived = registry.register_type(SubType::struct_(false, Some(TypeRef::Engine(base.index())), []))?;
    /// let view = registry.display_view();
    /// let depth = registry.depth(base.index()).unwrap();
    /// assert_eq!(view.is_subtype_at_depth(&registry, derived.index(), base.index(), depth), Some(true));
    /// assert_eq!(view.is_subtype_at_depth(&registry, base.index(), derived.index(), 1), Some(false));
    /// // Past the display, compiled code calls `is_subtype`.
    /// assert_eq!(view.is_subtype_at_depth(&registry, derived.index(), base.index(), 10), None);
    /// // Another registry's view does not read this registry's display.
    /// let other = TypeRegistry::new();
    /// assert_eq!(other.display_view().is_subtype_at_depth(&registry, derived.index(), base.index(), 0), None);
    /// # Ok::<(), RegistryError>(())
    /// ```
    #[inline]
    pub fn is_subtype_at_depth(
        &self,
        registry: &TypeRegistry,
        sub: EngineTypeIndex,
        sup: EngineTypeIndex,
        depth: usize,
    ) -> Option<bool> {
        if *self != registry.display_view() || depth >= self.display_len as usize {
            return None;
        }
        if sub == sup {
            return Some(true);
        }
        let ancestor = registry.inner.slots.display_entry(sub, depth)?;
        Some(ancestor == sup.as_u32())
    }
}

impl TypeRegistry {
    /// The raw layout of this registry's supertype display, for compiled
    /// code (see [`DisplayView`]). The pointers stay valid while the
    /// registry lives.
    #[inline]
    pub fn display_view(&self) -> DisplayView {
        DisplayView {
            segments: self.inner.slots.segment_displays(),
            segment_count: SEGMENT_COUNT as u32,
            segment_shift: SEGMENT_SHIFT,
            display_len: DISPLAY_LEN as u32,
        }
    }

    /// How many declared supertypes the registered type `index` has,
    /// directly and transitively (0 for a type without a supertype); `None`
    /// if `index` is not registered. Lock-free.
    pub fn depth(&self, index: EngineTypeIndex) -> Option<usize> {
        self.inner.slots.get(index)?.display().visible_depth()
    }

    /// The supertypes of the registered type `index`, outermost first:
    /// element `d` is its ancestor at depth `d`, and the last its declared
    /// supertype. `None` if `index` is not registered; a snapshot of one
    /// registered occupant of the index if it is unregistered concurrently.
    pub fn supertypes(&self, index: EngineTypeIndex) -> Option<Vec<EngineTypeIndex>> {
        let display = self.inner.slots.get(index)?.display();
        let state = display.visible_state()?;
        let chain = display.supertype_chain();
        display.unchanged_since(state).then_some(chain)
    }
}
