//! The registry's concurrency protocol, model-checked through its public API.
//!
//! Each model is two or three threads; each ends by checking that every live
//! handle still resolves and that the registry is empty once they are gone.
//! `docs/correctness.md` names, for each, the guard it protects and what loom
//! reports without it.
#![cfg(all(loom, not(crossbeam_loom)))]

use loom::thread;
use loom_tests::*;
use wasm_type_registry::{
    AbstractHeapType, EngineTypeIndex, HeapType, RegistryError, SubType, TypeDataContext, TypeError, TypeKey, TypeRef,
    TypeRegistry, ValType,
};

/// 1. Two threads register the same rec group: one entry, identical
///    indices, registration count 2.
#[test]
fn model_1_concurrent_registration_of_one_group() {
    run_model(|| {
        let registry = TypeRegistry::new();
        let other = spawn_with(&registry, |registry| registry.register_type(plain_struct(1)).unwrap());
        let a = registry.register_type(plain_struct(1)).unwrap();
        let b = other.join().unwrap();

        assert_eq!(a.index(), b.index(), "an equal group got two entries");
        assert_eq!(registry.stats().rec_groups, 1);
        assert_eq!(registry.len(), 1);
        // Count 2: one drop leaves the group registered, the second ends it.
        drop(a);
        assert_resolves(&registry, &b);
        drop(b);
        assert_empty(&registry);
    });
}

/// 2. The last drop of a group races a re-registration of an equal group
///    (the resurrection race): never unregistered twice, never a live handle
///    whose type is gone.
#[test]
fn model_2_last_drop_races_reregistration() {
    run_model(|| {
        let registry = TypeRegistry::new();
        let first = registry.register_type(plain_struct(1)).unwrap();
        let dropper = thread::spawn(move || drop(first));

        let again = registry.register_type(plain_struct(1)).unwrap();
        assert_resolves(&registry, &again);
        dropper.join().unwrap();
        // The first unregistration is over and did not take ours with it.
        assert_resolves(&registry, &again);
        assert_eq!(registry.stats().rec_groups, 1);
        assert_eq!(registry.len(), 1);
        drop(again);
        assert_empty(&registry);
    });
}

/// 3. A group is re-registered and dropped again while its first
///    unregistration is under way (Wasmtime advisory GHSA-7qmx-3fpx-r45m),
///    then registered a third time.
#[test]
fn model_3_reregistered_and_dropped_during_unregistration_ghsa_7qmx_3fpx_r45m() {
    run_model(|| {
        let registry = TypeRegistry::new();
        let first = registry.register_type(plain_struct(1)).unwrap();
        let dropper = thread::spawn(move || drop(first));

        let second = registry.register_type(plain_struct(1)).unwrap();
        drop(second);
        let third = registry.register_type(plain_struct(1)).unwrap();
        assert_resolves(&registry, &third);
        dropper.join().unwrap();

        assert_resolves(&registry, &third);
        assert_eq!(registry.stats().rec_groups, 1, "the live entry left the map");
        let fourth = registry.register_type(plain_struct(1)).unwrap();
        assert_eq!(fourth.index(), third.index(), "an equal live group got a second entry");
        drop((third, fourth));
        assert_empty(&registry);
    });
}

/// 4. `TypeRegistry::root(index)` races the last drop: `root` returns
///    `None` or a handle that keeps the type alive.
#[test]
fn model_4_root_races_last_drop() {
    run_model(|| {
        let registry = TypeRegistry::new();
        let handle = registry.register_type(plain_struct(1)).unwrap();
        let index = handle.index();
        let dropper = thread::spawn(move || drop(handle));

        let rooted = registry.root(index);
        if let Some(rooted) = &rooted {
            assert_eq!(rooted.index(), index);
            assert_eq!(**rooted, plain_struct(1));
        }
        dropper.join().unwrap();
        if let Some(rooted) = rooted {
            // The root's registration outlived the other handle's drop.
            assert_resolves(&registry, &rooted);
            assert_eq!(registry.len(), 1);
            drop(rooted);
        }
        assert_empty(&registry);
    });
}

/// 5. Dropping a group that references another group races a registration
///    that references the same target: the target lives exactly as long as
///    someone holds it.
#[test]
fn model_5_referenced_group_outlives_every_referrer() {
    run_model(|| {
        let registry = TypeRegistry::new();
        let target = registry.register_type(plain_struct(1)).unwrap();
        let target_index = target.index();
        let referrer = registry.register_type(struct_referencing(target_index, false)).unwrap();
        // From here only `referrer` keeps the target registered.
        drop(target);
        let dropper = thread::spawn(move || drop(referrer));

        match registry.register_type(struct_referencing(target_index, true)) {
            Ok(other) => {
                assert_resolves(&registry, &other);
                dropper.join().unwrap();
                // Held by `other` alone now.
                assert_eq!(registry.borrow(target_index).as_deref(), Some(&plain_struct(1)));
                assert_eq!(registry.len(), 2);
                drop(other);
            }
            // The target died before we reached it: refused, nothing taken.
            Err(RegistryError::Type(TypeError::UnregisteredEngineIndex { index, .. })) => {
                assert_eq!(index, target_index);
                dropper.join().unwrap();
            }
            Err(other) => panic!("unexpected error {other}"),
        }
        assert_empty(&registry);
    });
}

/// 6. `is_subtype` and `borrow` readers race unregistration and reuse of
///    indices: no torn or freed data is read.
#[test]
fn model_6_readers_race_unregistration_and_reuse() {
    run_model(|| {
        let registry = TypeRegistry::new();
        let base = registry.register_type(SubType::struct_(false, None, [])).unwrap();
        let sub_type = SubType::struct_(true, Some(TypeRef::Engine(base.index())), [field(ValType::I32)]);
        let sub = registry.register_type(sub_type.clone()).unwrap();
        let (base_index, sub_index) = (base.index(), sub.index());
        let dropper = thread::spawn(move || drop(sub));
        let reader = spawn_with(&registry, move |registry| {
            // The old type, the new one, or nothing: never anything else.
            if let Some(seen) = registry.borrow(sub_index) {
                assert!(*seen == sub_type || *seen == plain_struct(2), "torn read: {seen:?}");
            }
            // A meaningful answer either way; what matters is that it reads
            // no freed memory.
            registry.is_subtype(sub_index, base_index)
        });

        let reuser = registry.register_type(plain_struct(2)).unwrap();
        assert_resolves(&registry, &reuser);
        reader.join().unwrap();
        dropper.join().unwrap();
        assert_resolves(&registry, &reuser);
        assert!(!registry.is_subtype(reuser.index(), base_index));
        drop((base, reuser));
        assert_empty(&registry);
    });
}

/// 7. Trampoline registration for a function type races the drop of another
///    function type sharing that trampoline.
#[test]
fn model_7_trampoline_registration_races_drop_of_its_other_user() {
    run_model(|| {
        let registry = TypeRegistry::new();
        let first = registry.register_type(func_taking(AbstractHeapType::Func)).unwrap();
        assert_ne!(registry.trampoline_type(first.index()), first.index());
        let dropper = thread::spawn(move || drop(first));

        let second = registry.register_type(func_taking(AbstractHeapType::NoFunc)).unwrap();
        let trampoline = registry.trampoline_type(second.index());
        assert_ne!(trampoline, second.index());
        assert_eq!(registry.borrow(trampoline).as_deref(), Some(&func_trampoline()));
        dropper.join().unwrap();

        // `second` keeps its trampoline registered and in the map.
        assert_resolves(&registry, &second);
        assert_eq!(registry.trampoline_type(second.index()), trampoline);
        assert_eq!(registry.borrow(trampoline).as_deref(), Some(&func_trampoline()));
        assert_eq!(registry.stats().rec_groups, 2, "a live group left the map");
        assert_eq!(registry.len(), 2);
        drop(second);
        assert_empty(&registry);
    });
}

/// 8. Slot/index allocation and free-list reuse under concurrent register
///    and drop.
#[test]
fn model_8_index_reuse_under_concurrent_register_and_drop() {
    run_model(|| {
        let registry = TypeRegistry::new();
        let one = registry.register_type(plain_struct(1)).unwrap();
        let two = registry.register_type(plain_struct(2)).unwrap();
        let other = spawn_with(&registry, move |registry| {
            drop(one);
            let three = registry.register_type(plain_struct(3)).unwrap();
            assert_resolves(&registry, &three);
            three
        });
        drop(two);
        let four = registry.register_type(plain_struct(4)).unwrap();
        assert_resolves(&registry, &four);
        let three = other.join().unwrap();

        assert_ne!(three.index(), four.index(), "one index handed out twice");
        assert_resolves(&registry, &three);
        assert_resolves(&registry, &four);
        // Each thread freed an index before allocating one: no growth.
        assert_eq!(registry.stats().slots_ever_used, 2);
        assert_eq!(registry.stats().free_slots, 0);
        drop((three, four));
        assert_empty(&registry);
    });
}

/// 9. Two threads register the same subtype of a registered base. The
///    loser's index was filled while it prepared its group and is emptied
///    when it abandons it; it was never registered, so no reader may see it
///    as registered in between: not `borrow`, not `is_subtype`, not
///    `trampoline_type`, not the matching of its kind.
#[test]
fn model_9_a_group_that_lost_the_insertion_race_was_never_registered() {
    run_model(|| {
        let registry = TypeRegistry::new();
        let base = registry.register_type(SubType::struct_(false, None, [])).unwrap();
        let sub_type = SubType::struct_(true, Some(TypeRef::Engine(base.index())), []);
        let other = spawn_with(&registry, {
            let sub_type = sub_type.clone();
            move |registry| registry.register_type(sub_type).unwrap()
        });
        let mine = registry.register_type(sub_type).unwrap();
        // The two candidates are the two indices after the base's; the one
        // that is not ours was prepared by the loser (or is still being
        // prepared by the other thread).
        let base_index = base.index().as_u32();
        for candidate in [base_index + 1, base_index + 2].map(EngineTypeIndex::from_u32) {
            if candidate == mine.index() {
                continue;
            }
            assert!(!registry.is_subtype(candidate, base.index()), "{candidate:?} was never registered");
            assert!(registry.borrow(candidate).is_none(), "{candidate:?} was never registered");
            assert_eq!(registry.trampoline_type(candidate), candidate);
            let heap = HeapType::Concrete(TypeRef::Engine(candidate));
            assert_eq!(registry.matches(&heap, &HeapType::Abstract(AbstractHeapType::Struct)), Ok(false));
        }
        let theirs = other.join().unwrap();
        assert_eq!(theirs.index(), mine.index());
        assert_resolves(&registry, &mine);
        drop((mine, theirs, base));
        assert_empty(&registry);
    });
}

/// 10. A stored key races the unregistration of its type and the reuse of
///     its index by another type: `borrow`, `contains` and `root` of the
///     key answer for the key's own type or not at all, never for the new
///     occupant.
#[test]
fn model_10_a_stale_key_racing_index_reuse_never_names_the_new_occupant() {
    run_model(|| {
        let registry = TypeRegistry::new();
        let old = registry.register_type(plain_struct(1)).unwrap();
        let key: TypeKey = old.key();
        let reuser = spawn_with(&registry, move |registry| {
            drop(old);
            registry.register_type(plain_struct(2)).unwrap()
        });

        if let Some(seen) = registry.borrow(key) {
            assert_eq!(*seen, plain_struct(1), "a stale key borrowed the new occupant");
        }
        let rooted = registry.root(key);
        if let Some(rooted) = &rooted {
            assert_eq!(**rooted, plain_struct(1), "a stale key rooted the new occupant");
            assert_eq!(rooted.key(), key);
        }

        let new = reuser.join().unwrap();
        assert_resolves(&registry, &new);
        assert_ne!(new.key(), key);
        assert_eq!(registry.contains(key), rooted.is_some(), "a key outlived its type, or the reverse");
        drop(rooted);
        assert!(registry.borrow(key).is_none(), "a stale key still names a type");
        assert!(registry.root(key).is_none());
        drop(new);
        assert_empty(&registry);
    });
}

/// 11. Per-type data read by index and by key while its group is
///     unregistered and the index reused by another type: each closure is
///     handed the data of the type then registered under the index (never
///     freed memory, never data paired with another type), and a key's
///     closure its own type's data or nothing.
#[test]
fn model_11_type_data_read_while_its_index_is_reused() {
    run_model(|| {
        let registry =
            TypeRegistry::with_type_data(|cx: TypeDataContext<'_, SubType>| Ok::<_, RegistryError>(cx.ty.clone()));
        let old = registry.register_type(plain_struct(1)).unwrap();
        let (index, key) = (old.index(), old.key());
        let reuser = spawn_with(&registry, move |registry| {
            drop(old);
            registry.register_type(plain_struct(2)).unwrap()
        });

        // The closures assert on what they are handed, not only on what
        // the call returns: a closure called with another type's data and
        // its result then discarded would still have read that data.
        let _ = registry.type_data::<SubType>().unwrap().get(index, |data| {
            assert!(*data == plain_struct(1) || *data == plain_struct(2), "torn or freed data: {data:?}");
        });
        let _ = registry.type_data::<SubType>().unwrap().get(key, |data| {
            assert_eq!(*data, plain_struct(1), "a closure for a stale key was handed the new occupant's data");
        });

        let new = reuser.join().unwrap();
        assert_eq!(new.data::<SubType>(), Ok(&plain_struct(2)));
        assert_eq!(
            registry.type_data::<SubType>().unwrap().get(new.index(), |data| data.clone()),
            Some(plain_struct(2))
        );
        assert!(registry.type_data::<SubType>().unwrap().get(key, |_| ()).is_none());
        drop(new);
        assert_empty(&registry);
    });
}

/// 12. A key taken from an index while the index changes hands names the
///     occupant whose type it then reads: a reader that sees the new
///     occupant's state (its key) reads the new occupant's entry, never the
///     previous occupant's, whose slot reference was emptied before the
///     index was reused.
#[test]
fn model_12_a_key_taken_from_an_index_reads_its_own_occupant() {
    run_model(|| key_taken_while_the_index_changes_hands(false));
}

/// 12b. The same with the reader's lookups nested inside an outer pin: a
///      nested pin has no fence of its own, so what pairs a state with its
///      occupant is the state's `Acquire`, not the pin (the previous
///      occupant's entry stays allocated under the outer pin, but is not
///      the key's).
#[test]
fn model_12b_the_same_under_a_nested_pin() {
    run_model(|| key_taken_while_the_index_changes_hands(true));
}

/// Model 12's body; `nested`: the reader reads inside an outer pin.
fn key_taken_while_the_index_changes_hands(nested: bool) {
    let registry = TypeRegistry::new();
    let old = registry.register_type(plain_struct(1)).unwrap();
    let (index, old_key) = (old.index(), old.key());
    let reuser = spawn_with(&registry, move |registry| {
        drop(old);
        registry.register_type(plain_struct(2)).unwrap()
    });

    let read = || {
        if let Some(key) = registry.key(index) {
            if let Some(seen) = registry.borrow(key) {
                let expected = if key == old_key { plain_struct(1) } else { plain_struct(2) };
                assert_eq!(*seen, expected, "a key of one occupant read another occupant's type");
            }
        }
    };
    if nested {
        registry.while_pinned_for_models(read);
    } else {
        read();
    }

    let new = reuser.join().unwrap();
    assert_eq!(new.index(), index, "the model needs the index reused");
    drop(new);
    assert_empty(&registry);
}
