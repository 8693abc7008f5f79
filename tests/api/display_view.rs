//! `DisplayView::is_subtype_at_depth`, the inline check compiled code runs
//! over the display: the same answer as `is_subtype` for every registered
//! pair below the display's length, `None` where compiled code would call
//! `is_subtype` instead, and no panic on any argument.

use proptest::prelude::*;
use proptest::test_runner::{TestCaseError, TestRunner};
use wasm_type_registry::*;

use crate::common::field;

/// A module of struct types: type `i` extends the type `parents[i]` names
/// (`back` types before it), if any, adding `extra` fields; chains stop
/// growing at depth 40 (below `MAX_SUBTYPING_DEPTH`, past the display).
fn hierarchy(shape: &[(Option<u8>, u8)]) -> ModuleTypes {
    let mut builder = ModuleTypes::builder();
    let mut made: Vec<(ModuleTypeIndex, usize, Vec<FieldType>)> = Vec::new();
    for &(back, extra) in shape {
        let parent = back.and_then(|back| made.len().checked_sub(1 + back as usize)).map(|i| &made[i]);
        let parent = parent.filter(|(_, depth, _)| *depth < 40);
        let (supertype, depth, mut fields) = match parent {
            Some((index, depth, fields)) => (Some(TypeRef::Module(*index)), depth + 1, fields.clone()),
            None => (None, 0, Vec::new()),
        };
        let storage = if extra % 2 == 0 { StorageType::Val(ValType::I32) } else { StorageType::I8 };
        fields.extend(std::iter::repeat_n(field(false, storage), usize::from(extra % 3)));
        let index = builder.sub_type(SubType::struct_(false, supertype, fields.clone()));
        made.push((index, depth, fields));
    }
    builder.build().unwrap()
}

/// Every (sub, sup) pair over `types`: `Some(is_subtype)` at `sup`'s depth
/// below the display's length, `None` at and past it. Returns how many
/// pairs were strict subtypes, and how many types were past the display.
fn agree(registry: &TypeRegistry, types: &[EngineTypeIndex]) -> Result<(usize, usize), TestCaseError> {
    let view = registry.display_view();
    let (mut related, mut deep) = (0, 0);
    for &sup in types {
        let depth = registry.depth(sup).unwrap();
        deep += usize::from(depth >= view.display_len as usize);
        for &sub in types {
            let expected = registry.is_subtype(sub, sup);
            let inline = view.is_subtype_at_depth(registry, sub, sup, depth);
            if depth < view.display_len as usize {
                prop_assert_eq!(inline, Some(expected), "{:?} <: {:?} at depth {}", sub, sup, depth);
            } else {
                prop_assert_eq!(inline, None, "{:?} <: {:?} at depth {}", sub, sup, depth);
            }
            related += usize::from(expected && sub != sup);
        }
    }
    Ok((related, deep))
}

/// Randomized hierarchies, some chains deeper than the display, in three
/// modules of which the first is dropped before the third is registered,
/// so that the third reuses its indices: the check agrees with
/// `is_subtype` on every pair of the registered types.
#[test]
fn the_inline_check_agrees_with_is_subtype_on_random_hierarchies() {
    let type_shape = (prop::option::weighted(0.8, 0u8..4), any::<u8>());
    let shapes = prop::collection::vec(prop::collection::vec(type_shape, 1..80), 3);
    let mut runner = TestRunner::new(crate::common::proptest_config(64));
    let (related, deep) = (std::cell::Cell::new(0), std::cell::Cell::new(0));
    let result = runner.run(&shapes, |shapes| {
        let registry = TypeRegistry::new();
        let first = registry.register_module(&hierarchy(&shapes[0])).unwrap();
        let second = registry.register_module(&hierarchy(&shapes[1])).unwrap();
        drop(first);
        let third = registry.register_module(&hierarchy(&shapes[2])).unwrap();
        let mut all = second.engine_types().to_vec();
        all.extend_from_slice(third.engine_types());
        let (new_related, new_deep) = agree(&registry, &all)?;
        related.set(related.get() + new_related);
        deep.set(deep.get() + new_deep);
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    let (related, deep) = (related.get(), deep.get());
    assert!(related > 1_000, "too few subtype pairs to mean anything ({related})");
    assert!(deep > 100, "too few types past the display ({deep})");
}

/// The arguments compiled code would not inline, and indices that were
/// never registered: `None` or the answer `is_subtype` gives, never a panic.
#[test]
fn arguments_outside_the_inline_check_get_none_or_is_subtypes_answer() {
    let registry = TypeRegistry::new();
    let (base, derived) = base_and_derived(&registry);
    let (base, derived) = (base.index(), derived.index());
    let view = registry.display_view();
    assert_eq!(view.is_subtype_at_depth(&registry, derived, base, 0), Some(true));
    assert_eq!(view.is_subtype_at_depth(&registry, base, derived, 1), Some(false));
    // At or past the display's length: compiled code calls `is_subtype`.
    for depth in [view.display_len as usize, 63, usize::MAX] {
        assert_eq!(view.is_subtype_at_depth(&registry, derived, base, depth), None);
        assert_eq!(view.is_subtype_at_depth(&registry, derived, derived, depth), None);
    }
    // A view that is not this registry's: another registry's, or one whose
    // fields were changed.
    let other = TypeRegistry::new();
    let _kept = other.register_type(SubType::struct_(false, None, [])).unwrap();
    assert_eq!(other.display_view().is_subtype_at_depth(&registry, derived, base, 0), None);
    let mut longer = view;
    longer.display_len += 1;
    assert_eq!(longer.is_subtype_at_depth(&registry, derived, base, 0), None);
    let mut moved = view;
    moved.segments = moved.segments.wrapping_add(1);
    assert_eq!(moved.is_subtype_at_depth(&registry, derived, base, 0), None);
    // Never-registered indices: in the allocated first segment, no ancestor
    // at any depth; in a segment never allocated, `None`. Either way the
    // same as `is_subtype` where there is an answer, `true` for `sub == sup`
    // included.
    for never in [EngineTypeIndex::from_u32(7), EngineTypeIndex::from_u32(1 << 20), EngineTypeIndex::from_u32(u32::MAX)]
    {
        for depth in 0..view.display_len as usize {
            let answer = view.is_subtype_at_depth(&registry, never, base, depth);
            assert!(answer.is_none() || answer == Some(registry.is_subtype(never, base)), "{never:?} {answer:?}");
            assert_eq!(view.is_subtype_at_depth(&registry, never, never, depth), Some(true));
            assert!(registry.is_subtype(never, never));
        }
    }
    assert_eq!(view.is_subtype_at_depth(&registry, EngineTypeIndex::from_u32(7), base, 0), Some(false));
    assert_eq!(view.is_subtype_at_depth(&registry, EngineTypeIndex::from_u32(1 << 20), base, 0), None);
}

/// After its type is unregistered and the index reused by a shallower type,
/// the column at the old depth reads "no ancestor", not the old one.
#[test]
fn a_reused_slot_has_no_stale_ancestor_past_its_depth() {
    let registry = TypeRegistry::new();
    let (base, derived) = base_and_derived(&registry);
    let view = registry.display_view();
    assert_eq!(view.is_subtype_at_depth(&registry, derived.index(), base.index(), 0), Some(true));
    let old = derived.index();
    drop(derived);
    let unrelated = registry.register_type(SubType::func([], [])).unwrap();
    assert_eq!(unrelated.index(), old, "the test needs the index reused");
    assert_eq!(view.is_subtype_at_depth(&registry, unrelated.index(), base.index(), 0), Some(false));
    assert!(!registry.is_subtype(unrelated.index(), base.index()));
}

/// A struct type and a subtype of it, registered.
fn base_and_derived(registry: &TypeRegistry) -> (RegisteredType, RegisteredType) {
    let base = registry.register_type(SubType::struct_(false, None, [])).unwrap();
    let derived = SubType::struct_(false, Some(TypeRef::Engine(base.index())), []);
    let derived = registry.register_type(derived).unwrap();
    (base, derived)
}
