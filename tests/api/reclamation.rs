//! Per-registry reclamation: one registry's garbage is freed by calls into
//! it and by its `flush`, never by calls into another registry; garbage a
//! finished thread left behind is reachable by `flush`; and a dropped
//! registry frees everything it retired.

use wasm_type_registry::*;

fn struct_with(fields: usize) -> SubType {
    SubType::struct_(true, None, vec![FieldType { mutable: false, storage: StorageType::Val(ValType::I32) }; fields])
}

/// A keeps one type registered (so no unregistration empties it) and drops
/// another: its memory waits in A's collector however busy registry B is,
/// until A's own `flush`.
#[test]
fn garbage_of_registry_a_is_not_collected_by_calls_into_registry_b() {
    let (a, b) = (TypeRegistry::new(), TypeRegistry::new());
    let _kept = RegisteredType::new(&a, struct_with(1)).unwrap();
    let dropped = RegisteredType::new(&a, struct_with(2)).unwrap();
    drop(dropped);
    let pending = a.stats().pending_frees;
    assert!(pending > 0, "nothing waits for reclamation: {:?}", a.stats());

    // Well over crossbeam-epoch's 128 pins between collections, with
    // unregistrations (and their collection steps) in B.
    let _b_kept = RegisteredType::new(&b, struct_with(1)).unwrap();
    for i in 0..2_000 {
        let ty = RegisteredType::new(&b, struct_with(2 + i % 7)).unwrap();
        assert!(b.borrow(ty.index()).is_some());
        assert!(RegisteredType::root(&b, ty.index()).is_some());
    }
    assert_eq!(a.stats().pending_frees, pending, "a call into B collected A's garbage");

    a.flush();
    assert_eq!(a.stats().pending_frees, 0, "flush left garbage: {:?}", a.stats());
    b.flush();
    assert_eq!(b.stats().pending_frees, 0, "flush left garbage: {:?}", b.stats());
}

/// Small unregistrations leave their garbage in the unregistering thread's
/// bag (a bag handed over per call would cost every drop a copy of it); a
/// thread that ends hands its bag over, so a `flush` on another thread then
/// frees everything, and `len()` and `pending_frees` both reach zero.
#[test]
fn garbage_of_a_finished_thread_is_freed_by_flush() {
    let registry = TypeRegistry::new();
    let mut builder = ModuleTypes::builder();
    let base = builder.sub_type(SubType::struct_(false, None, []));
    builder.sub_type(SubType::struct_(true, Some(TypeRef::Module(base)), []));
    builder.sub_type(SubType::func([ValType::Ref(RefType::concrete(false, TypeRef::Module(base)))], []));
    let module = builder.build().unwrap();
    let weak = std::thread::scope(|s| {
        s.spawn(|| {
            let mut weak = Vec::new();
            for _ in 0..10 {
                let types = registry.register_module(&module).unwrap();
                assert_eq!(types.len(), 3);
                weak.extend(
                    types.shared_types().iter().map(|&i| std::sync::Arc::downgrade(&registry.borrow(i).unwrap())),
                );
            }
            assert!(registry.stats().pending_frees > 0, "nothing waits: {:?}", registry.stats());
            weak
        })
        .join()
        .unwrap()
    });
    registry.flush();
    let stats = registry.stats();
    assert_eq!(stats.registered_types, 0);
    assert_eq!(stats.pending_frees, 0, "the finished thread's garbage was not freed: {stats:?}");
    assert!(weak.iter().all(|ty| ty.upgrade().is_none()), "a type outlived flush");
}

/// Dropping every handle and the registry itself frees every registered
/// type, with garbage still pending when the last handle goes and no
/// `flush`. Two things make it so: a dismantled group gives its registry
/// reference up (a retired group that held its registry would keep the
/// registry, its collector and so itself alive forever), and the registry's
/// drop hands the dropping thread's bag to the collector, which then goes
/// and destroys what is pending.
#[test]
fn dropping_the_registry_frees_every_type_without_a_flush() {
    let registry = TypeRegistry::new();
    let kept = RegisteredType::new(&registry, struct_with(1)).unwrap();
    let dropped = RegisteredType::new(&registry, struct_with(2)).unwrap();
    let types =
        [kept.index(), dropped.index()].map(|index| std::sync::Arc::downgrade(&registry.borrow(index).unwrap()));
    drop(dropped);
    assert!(registry.stats().pending_frees > 0, "nothing waits for reclamation: {:?}", registry.stats());
    drop(kept);
    drop(registry);
    for (i, ty) in types.iter().enumerate() {
        assert!(ty.upgrade().is_none(), "type {i} outlived its registry: {:?}", ty.upgrade());
    }
}

/// The same with a group far larger than one bounded collection step
/// frees: the last drop must still leave nothing that keeps the registry
/// alive.
#[test]
fn dropping_the_registry_after_a_big_group_frees_every_type_without_a_flush() {
    let registry = TypeRegistry::new();
    let mut builder = ModuleTypes::builder();
    builder.rec_group((0..10_000).map(|i| struct_with(i % 4)));
    let types = registry.register_module(&builder.build().unwrap()).unwrap();
    let weak: Vec<_> =
        types.shared_types().iter().map(|&index| std::sync::Arc::downgrade(&registry.borrow(index).unwrap())).collect();
    drop(types);
    drop(registry);
    let alive = weak.iter().filter(|ty| ty.upgrade().is_some()).count();
    assert_eq!(alive, 0, "{alive} of {} types outlived their registry", weak.len());
}

/// A big group's memory is never freed inside a reader's call: a
/// collection that finds it due (crossbeam-epoch runs one every 128 pins,
/// in whatever call pins) sets it aside, and the next call that registers a
/// new group or unregisters something frees it, one per call. Freeing a
/// dart2wasm-sized group takes milliseconds, which a `root` or a `borrow`
/// must not pay.
#[test]
fn a_big_group_is_freed_by_a_writing_call_not_by_readers() {
    let registry = TypeRegistry::new();
    let kept = RegisteredType::new(&registry, struct_with(1)).unwrap();
    // Two big groups, unregistered by one call (the module's drop): a
    // second unregistering call would already free the first.
    let mut builder = ModuleTypes::builder();
    builder.rec_group((0..100).map(|i| struct_with(2 + i % 4)));
    builder.rec_group((0..100).map(|i| struct_with(20 + i % 4)));
    let types = registry.register_module(&builder.build().unwrap()).unwrap();
    let weak = |i: usize| std::sync::Arc::downgrade(&registry.borrow(types.shared_types()[i]).unwrap());
    let (first, second) = (weak(0), weak(100));
    drop(types);
    // Thousands of pins, and so collection steps and epoch advances: both
    // groups come due, and the readers set them aside.
    for _ in 0..1_000 {
        let rooted = RegisteredType::root(&registry, kept.index()).unwrap();
        assert!(registry.borrow(kept.index()).is_some());
        drop(rooted);
    }
    assert!(first.upgrade().is_some() && second.upgrade().is_some(), "a reader's call freed a big group");
    assert_eq!(registry.stats().pending_frees, 2, "{:?}", registry.stats());
    // A registration of a new group frees one...
    let new = RegisteredType::new(&registry, struct_with(9)).unwrap();
    let alive = [&first, &second].iter().filter(|group| group.upgrade().is_some()).count();
    assert_eq!(alive, 1, "a new registration did not free exactly one set-aside group");
    // ...and a call that unregisters something the other.
    drop(new);
    assert!(first.upgrade().is_none() && second.upgrade().is_none(), "the unregistering call freed nothing");
    drop(kept);
    registry.flush();
    assert_eq!(registry.stats().pending_frees, 0, "{:?}", registry.stats());
}
