//! Who frees an unregistered group, and where the embedder's code runs
//! (the contract of `TypeRegistry::flush`): the thread that unregistered
//! it, in a later writing call of its own; `flush` and `reclaim`, for every
//! thread's garbage, parked or ended threads included; the registry's drop.
//! Never a reader, never another thread's ordinary call, never a call into
//! another registry. Data `Drop`s run only there, and a panicking one is
//! contained. Racing registrations of one group run the data function once
//! per type, and a closure never holds other groups' memory back.

use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Barrier};
use std::thread::ThreadId;

use wasm_type_registry::*;

use crate::common::{field, flush_until_empty, flush_until_empty_with};

fn struct_with(fields: usize) -> SubType {
    SubType::struct_(true, None, vec![FieldType { mutable: false, storage: StorageType::Val(ValType::I32) }; fields])
}

/// A keeps one type registered and drops another: its memory waits in A
/// however busy registry B is (registrations, unregistrations, reads and
/// B's flushes on the same thread), until A's own `flush`.
#[test]
fn garbage_of_registry_a_is_not_collected_by_calls_into_registry_b() {
    let (a, b) = (TypeRegistry::new(), TypeRegistry::new());
    let _kept = a.register_type(struct_with(1)).unwrap();
    let dropped = a.register_type(struct_with(2)).unwrap();
    drop(dropped);
    let pending = a.stats().pending_frees;
    assert!(pending > 0, "nothing waits for reclamation: {:?}", a.stats());

    let _b_kept = b.register_type(struct_with(1)).unwrap();
    for i in 0..2_000 {
        let ty = b.register_type(struct_with(2 + i % 7)).unwrap();
        assert!(b.borrow(ty.index()).is_some());
        assert!(b.root(ty.index()).is_some());
        if i % 100 == 0 {
            b.flush();
        }
    }
    assert_eq!(a.stats().pending_frees, pending, "a call into B collected A's garbage");

    let stats = flush_until_empty(&a);
    assert_eq!(stats.pending_frees, 0, "flush left garbage: {stats:?}");
    let stats = flush_until_empty(&b);
    assert_eq!(stats.pending_frees, 0, "flush left garbage: {stats:?}");
}

/// A thread that unregisters and ends leaves its last garbage behind (its
/// own later calls would have freed it); a `flush` on another thread then
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
                    types.engine_types().iter().map(|&i| std::sync::Arc::downgrade(&registry.borrow(i).unwrap())),
                );
            }
            assert!(registry.stats().pending_frees > 0, "nothing waits: {:?}", registry.stats());
            weak
        })
        .join()
        .unwrap()
    });
    let stats = flush_until_empty(&registry);
    assert_eq!(stats.registered_types, 0);
    assert_eq!(stats.pending_frees, 0, "the finished thread's garbage was not freed: {stats:?}");
    assert!(weak.iter().all(|ty| ty.upgrade().is_none()), "a type outlived flush");
}

/// Dropping every handle and the registry itself frees every registered
/// type, with garbage still pending when the last handle goes and no
/// `flush`. Two things make it so: a dismantled group gives its registry
/// reference up (a retired group that held its registry would keep the
/// registry and so itself alive forever), and the registry's drop frees
/// whatever is still retired.
#[test]
fn dropping_the_registry_frees_every_type_without_a_flush() {
    let registry = TypeRegistry::new();
    let kept = registry.register_type(struct_with(1)).unwrap();
    let dropped = registry.register_type(struct_with(2)).unwrap();
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

/// The same with a group far larger than a writing call's budget: the last
/// drop must still leave nothing that keeps the registry alive.
#[test]
fn dropping_the_registry_after_a_big_group_frees_every_type_without_a_flush() {
    let registry = TypeRegistry::new();
    let mut builder = ModuleTypes::builder();
    builder.rec_group((0..10_000).map(|i| struct_with(i % 4)));
    let types = registry.register_module(&builder.build().unwrap()).unwrap();
    let weak: Vec<_> =
        types.engine_types().iter().map(|&index| std::sync::Arc::downgrade(&registry.borrow(index).unwrap())).collect();
    drop(types);
    drop(registry);
    let alive = weak.iter().filter(|ty| ty.upgrade().is_some()).count();
    assert_eq!(alive, 0, "{alive} of {} types outlived their registry", weak.len());
}

/// A group is freed by the thread that unregistered it, never by a reader's
/// call and never by another thread's ordinary call: after thread A drops
/// two groups of 300 types, thousands of reads, registrations and
/// unregistrations on this thread leave both allocated; A's next
/// registration of a new group frees one (A holds more than the 256 retired
/// types a thread keeps; its budget is 64 types, and a group is never
/// split), A's next unregistration the other (its budget is the one type
/// it unregistered). Freeing a dart2wasm-sized group takes
/// milliseconds, which neither a `borrow` nor another tenant's registration
/// may pay.
#[test]
fn a_group_is_freed_by_the_thread_that_unregistered_it() {
    let registry = TypeRegistry::new();
    let kept = registry.register_type(struct_with(1)).unwrap();
    let mut builder = ModuleTypes::builder();
    builder.rec_group((0..300).map(|i| struct_with(2 + i % 4)));
    builder.rec_group((0..300).map(|i| struct_with(20 + i % 4)));
    let module = builder.build().unwrap();
    let (to_owner, from_main) = mpsc::channel::<&str>();
    let (to_main, from_owner) = mpsc::channel();
    std::thread::scope(|s| {
        let (registry, module) = (&registry, &module);
        let owner = s.spawn(move || {
            let types = registry.register_module(module).unwrap();
            let weak = |i: usize| Arc::downgrade(&registry.borrow(types.engine_types()[i]).unwrap());
            to_main.send((weak(0), weak(300))).unwrap();
            drop(types);
            to_main.send((weak_none(), weak_none())).unwrap();
            assert_eq!(from_main.recv().unwrap(), "register");
            let new = registry.register_type(struct_with(99)).unwrap();
            to_main.send((weak_none(), weak_none())).unwrap();
            assert_eq!(from_main.recv().unwrap(), "unregister");
            drop(new);
            to_main.send((weak_none(), weak_none())).unwrap();
        });
        let (first, second) = from_owner.recv().unwrap();
        from_owner.recv().unwrap();
        let alive = || [&first, &second].iter().filter(|group| group.upgrade().is_some()).count();
        for i in 0..2_000 {
            let rooted = registry.root(kept.index()).unwrap();
            assert!(registry.borrow(kept.index()).is_some());
            assert!(registry.is_subtype(kept.index(), rooted.index()));
            drop(rooted);
            drop(registry.register_type(struct_with(200 + i % 50)).unwrap());
        }
        // Counted first, asserted once the owner is done: a failure must
        // not leave it waiting for a command forever.
        let mut counts = [alive(), 0, 0];
        to_owner.send("register").unwrap();
        from_owner.recv().unwrap();
        counts[1] = alive();
        to_owner.send("unregister").unwrap();
        from_owner.recv().unwrap();
        counts[2] = alive();
        owner.join().unwrap();
        assert_eq!(
            counts,
            [2, 1, 0],
            "groups alive after this thread's calls, after the owner's new registration, after its \
             unregistration: a reader or another thread's call freed a group, or the owner's calls did not"
        );
    });
    drop(kept);
    let stats = flush_until_empty(&registry);
    assert_eq!(stats.pending_frees, 0, "{stats:?}");
}

fn weak_none() -> std::sync::Weak<SubType> {
    std::sync::Weak::new()
}

/// `flush` on one thread frees what the workers of a pool retired while
/// they are alive but parked (they will not call into the registry again
/// soon): pending frees reach zero without the workers' help.
#[test]
fn flush_frees_the_garbage_of_parked_workers() {
    let registry = TypeRegistry::new();
    let parked = Barrier::new(3);
    let release = Barrier::new(3);
    std::thread::scope(|s| {
        for worker in 0..2 {
            let (registry, parked, release) = (&registry, &parked, &release);
            s.spawn(move || {
                for i in 0..40 {
                    drop(registry.register_type(struct_with(1 + worker * 100 + i)).unwrap());
                }
                parked.wait();
                release.wait();
            });
        }
        parked.wait();
        assert!(registry.stats().pending_frees > 0, "the workers left nothing: {:?}", registry.stats());
        let stats = flush_until_empty(&registry);
        release.wait();
        assert_eq!(stats.pending_frees, 0, "flush left parked workers' garbage: {stats:?}");
        assert_eq!(stats.registered_types, 0);
    });
}

std::thread_local! {
    /// Set while this test thread is inside a reading call of the registry.
    static READING: Cell<bool> = const { Cell::new(false) };
}

/// Per-type data that records where its `Drop` ran.
struct Recorded {
    drops: Arc<std::sync::Mutex<Vec<(ThreadId, bool)>>>,
}

impl Drop for Recorded {
    fn drop(&mut self) {
        let reading = READING.with(Cell::get);
        self.drops.lock().unwrap().push((std::thread::current().id(), reading));
    }
}

/// Marks this thread as inside a reading call while `f` runs.
fn reading<R>(f: impl FnOnce() -> R) -> R {
    READING.with(|flag| flag.set(true));
    let result = f();
    READING.with(|flag| flag.set(false));
    result
}

/// A data value's `Drop` runs only in the calls the contract names: while
/// one thread registers and drops types, another that only reads them
/// (`type_data`, `borrow`, `root`, `is_subtype`, registration hits) never
/// runs one, although it pins the same registry thousands of times.
#[test]
fn no_data_drop_runs_inside_a_reader() {
    let drops = Arc::new(std::sync::Mutex::new(Vec::new()));
    let registry = TypeRegistry::with_type_data({
        let drops = drops.clone();
        move |_: TypeDataContext<'_, Recorded>| Ok::<_, RegistryError>(Recorded { drops: drops.clone() })
    });
    let kept = registry.register_type(struct_with(1)).unwrap();
    let done = AtomicBool::new(false);
    let reader_thread = std::thread::scope(|s| {
        let reader = s.spawn(|| {
            while !done.load(Ordering::Relaxed) {
                reading(|| {
                    assert!(registry.type_data::<Recorded>().unwrap().get(kept.index(), |_| ()).is_some());
                    assert!(registry.borrow(kept.index()).is_some());
                    assert!(registry.is_subtype(kept.index(), kept.index()));
                    let hit = registry.register_type(struct_with(1)).unwrap();
                    drop(registry.root(hit.index()));
                    // Not the last registration: `kept` holds one.
                    drop(hit);
                });
            }
            std::thread::current().id()
        });
        for i in 0..3_000 {
            drop(registry.register_type(struct_with(2 + i % 300)).unwrap());
        }
        done.store(true, Ordering::Relaxed);
        reader.join().unwrap()
    });
    drop(kept);
    flush_until_empty(&registry);
    let drops = drops.lock().unwrap();
    assert_eq!(drops.len(), 3_001, "every data value is dropped once");
    assert!(drops.iter().all(|&(_, reading)| !reading), "a data Drop ran inside a reading call");
    assert!(drops.iter().all(|&(thread, _)| thread != reader_thread), "a data Drop ran on the reading thread");
}

/// Per-type data whose `Drop` panics for one value in five.
struct Fragile {
    n: usize,
    drops: Arc<AtomicUsize>,
}

impl Drop for Fragile {
    fn drop(&mut self) {
        self.drops.fetch_add(1, Ordering::Relaxed);
        if self.n.is_multiple_of(5) {
            panic!("data {} refuses to drop", self.n);
        }
    }
}

/// A panicking data `Drop` is contained: the panic reaches the call that
/// freed the value (a handle's drop, a registration of a new group, or
/// `flush`), every other value of the
/// same batch is still dropped, and the registry stays consistent: nothing
/// registered and nothing pending once `flush` returns, and registrations
/// go on working.
#[test]
fn panicking_data_drops_leave_the_registry_consistent() {
    const TYPES: usize = 300;
    let made = Arc::new(AtomicUsize::new(0));
    let drops = Arc::new(AtomicUsize::new(0));
    let registry = TypeRegistry::with_type_data({
        let (made, drops) = (made.clone(), drops.clone());
        move |_: TypeDataContext<'_, Fragile>| {
            Ok::<_, RegistryError>(Fragile { n: made.fetch_add(1, Ordering::Relaxed), drops: drops.clone() })
        }
    });
    let mut panics = 0;
    let mut caught =
        |f: &mut dyn FnMut()| panics += std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).is_err() as usize;
    for i in 0..TYPES {
        // A registration of a new group frees this thread's earlier
        // garbage first: a panic there leaves nothing registered.
        let mut ty = None;
        while ty.is_none() {
            caught(&mut || ty = Some(registry.register_type(struct_with(1 + i)).unwrap()));
        }
        caught(&mut || drop(ty.take()));
    }
    let stats = flush_until_empty_with(&registry, || caught(&mut || registry.flush()));
    assert_eq!((registry.len(), stats.rec_groups, stats.pending_frees), (0, 0, 0), "{stats:?}");
    assert_eq!(drops.load(Ordering::Relaxed), TYPES, "a panic leaked the rest of its batch");
    assert!(panics > 0, "no panic reached a caller");
    let again = registry.register_type(struct_with(1)).unwrap();
    assert!(registry.type_data::<Fragile>().unwrap().get(again.index(), |data| data.n).is_some());
    // The registry's drop frees `again`, whose data may panic in turn.
    drop(again);
    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| drop(registry)));
}

/// Four threads register one module at once: the data function runs once
/// per type that ends up registered, not once per racing thread, and every
/// thread gets the same indices.
#[test]
fn racing_registrations_of_one_module_run_the_data_function_once_per_type() {
    let mut builder = ModuleTypes::builder();
    for group in 0..50 {
        let first = builder.rec_group((0..8).map(|i| struct_with(1 + group * 8 + i)));
        builder.sub_type(SubType::func([ValType::Ref(RefType::concrete(true, TypeRef::Module(first)))], []));
    }
    let module = builder.build().unwrap();
    // Rounds on fresh registries: each race is short, and the interleavings
    // that matter (a lookup that misses just before a claim ends) are rare.
    for round in 0..20 {
        let calls = Arc::new(AtomicUsize::new(0));
        let registry = TypeRegistry::with_type_data({
            let calls = calls.clone();
            move |cx: TypeDataContext<'_, u32>| {
                calls.fetch_add(1, Ordering::Relaxed);
                Ok::<_, RegistryError>(cx.index.as_u32())
            }
        });
        let start = Barrier::new(4);
        let collections: Vec<TypeCollection> = std::thread::scope(|s| {
            let threads: Vec<_> = (0..4)
                .map(|_| {
                    s.spawn(|| {
                        start.wait();
                        registry.register_module(&module).unwrap()
                    })
                })
                .collect();
            threads.into_iter().map(|thread| thread.join().unwrap()).collect()
        });
        assert!(collections.windows(2).all(|pair| pair[0].engine_types() == pair[1].engine_types()));
        let calls = calls.load(Ordering::Relaxed);
        assert_eq!(calls, registry.len(), "round {round}: data computed more than once for some type");
    }
}

/// A closure that runs for a long time holds back no other group's memory:
/// while one thread sits inside `type_data`, another registers and drops
/// types, and its `flush` frees all of them.
#[test]
fn a_long_closure_holds_no_other_garbage_back() {
    let registry = TypeRegistry::with_type_data(|_: TypeDataContext<'_, u8>| Ok::<_, RegistryError>(0u8));
    let kept = registry.register_type(struct_with(1)).unwrap();
    let (inside, wait_inside) = mpsc::channel();
    let (leave, wait_leave) = mpsc::channel::<()>();
    std::thread::scope(|s| {
        let (registry, index) = (&registry, kept.index());
        s.spawn(move || {
            registry.type_data::<u8>().unwrap().get(index, |_| {
                inside.send(()).unwrap();
                wait_leave.recv().unwrap();
            })
        });
        wait_inside.recv().unwrap();
        for i in 0..500 {
            drop(registry.register_type(struct_with(2 + i)).unwrap());
        }
        let pending = flush_until_empty(registry).pending_frees;
        leave.send(()).unwrap();
        assert_eq!(pending, 0, "a closure held other groups' memory back");
    });
}

/// Two threads drop the last two handles of one group after the registry
/// handle itself is gone: whichever drops last dismantles the group and
/// frees the registry, while the other may still be inside its own drop,
/// just past its decrement. That drop must not touch the registry after
/// the decrement. (A race for Miri: `.ci/run miri` runs this test under
/// Tree Borrows with several seeds.)
#[test]
fn the_last_handles_dropped_on_two_threads_after_the_registry() {
    for _ in 0..20 {
        let registry = TypeRegistry::new();
        let first = registry.register_type(struct_with(3)).unwrap();
        let second = first.clone();
        drop(registry);
        let start = Barrier::new(2);
        std::thread::scope(|s| {
            for handle in [first, second] {
                let start = &start;
                s.spawn(move || {
                    start.wait();
                    drop(handle);
                });
            }
        });
    }
}

/// `index_table_bytes` counts the table's segments: none before the first
/// registration, at least a display entry and a slot for every index ever
/// handed out, at most the doubling segments' slack over that; and it keeps
/// its size once the types are gone, which is the floor a burst leaves.
#[test]
fn the_index_table_reports_its_bytes_and_keeps_them_after_a_burst() {
    let registry = TypeRegistry::new();
    assert_eq!(registry.stats().index_table_bytes, 0, "{:?}", registry.stats());
    // A display entry is 10 four-byte ancestors and an eight-byte state.
    const DISPLAY_BYTES: usize = 48;
    let mut builder = ModuleTypes::builder();
    for i in 0..5_000 {
        builder.sub_type(struct_with(1 + i));
    }
    let types = registry.register_module(&builder.build().unwrap()).unwrap();
    let stats = registry.stats();
    let slots = stats.slots_ever_used;
    assert!(slots >= 5_000, "{stats:?}");
    assert!(stats.index_table_bytes >= slots * DISPLAY_BYTES, "{stats:?}");
    assert!(stats.index_table_bytes <= 2 * slots * 4 * DISPLAY_BYTES, "{stats:?}");
    drop(types);
    let after = flush_until_empty(&registry);
    assert_eq!((after.registered_types, after.index_table_bytes), (0, stats.index_table_bytes), "{after:?}");
}

/// The fields of each struct of [`distinct_structs`].
const FIELDS: usize = 10;

/// `count` (at most 2^[`FIELDS`]) distinct struct types of [`FIELDS`] `i32`
/// fields each, one rec group a type: which fields are mutable spells out
/// the type's number in binary.
fn distinct_structs(count: usize) -> ModuleTypes {
    let mut builder = ModuleTypes::builder();
    for i in 0..count {
        let fields: Vec<_> = (0..FIELDS).map(|bit| field(i >> bit & 1 == 1, ValType::I32)).collect();
        builder.sub_type(SubType::struct_(true, None, fields));
    }
    builder.build().unwrap()
}

/// `rec_group_bytes` counts the groups in the hash-consing map: 1,000
/// distinct structs raise it by at least the bytes of their fields and by
/// less than four times that plus 512 bytes a group; registering the same
/// module again (a hash-consing hit) leaves it as it is; once every handle
/// is dropped it is back where it started, before and after a flush (a
/// group waiting to be freed is not counted).
#[test]
fn rec_group_bytes_count_the_groups_in_the_map_and_only_them() {
    const TYPES: usize = 1_000;
    let registry = TypeRegistry::new();
    let start = registry.stats().rec_group_bytes;
    let module = distinct_structs(TYPES);
    let types = registry.register_module(&module).unwrap();
    let stats = registry.stats();
    assert_eq!(stats.rec_groups, TYPES, "{stats:?}");
    let grown = stats.rec_group_bytes - start;
    let fields = TYPES * FIELDS * size_of::<FieldType>();
    println!("rec_group_bytes: {grown} B for {TYPES} structs of {FIELDS} fields ({fields} B of fields)");
    assert!(grown >= fields, "{grown} B do not cover the fields' {fields} B: {stats:?}");
    assert!(grown < 4 * fields + TYPES * 512, "{grown} B for {fields} B of fields: {stats:?}");

    let again = registry.register_module(&module).unwrap();
    assert_eq!(registry.stats().rec_group_bytes, stats.rec_group_bytes, "a hash-consing hit changed it");

    drop((types, again));
    assert_eq!(registry.stats().rec_group_bytes, start, "{:?}", registry.stats());
    let after = flush_until_empty(&registry);
    assert_eq!((after.pending_frees, after.rec_group_bytes), (0, start), "{after:?}");
}

/// A registry with per-type data counts `size_of::<D>()` a type more than
/// one without, for the same module (and the erased box that holds each
/// group's slice, a pointer and a length); what a data value owns on the
/// heap is not counted.
#[test]
fn rec_group_bytes_count_the_data_size_of_every_type() {
    const TYPES: usize = 500;
    type Data = [u64; 16];
    let module = distinct_structs(TYPES);
    let plain = TypeRegistry::new();
    let with_data = TypeRegistry::with_type_data(|_: TypeDataContext<'_, Data>| Ok::<_, RegistryError>([7; 16]));
    let _plain_types = plain.register_module(&module).unwrap();
    let _data_types = with_data.register_module(&module).unwrap();
    let (plain, with_data) = (plain.stats(), with_data.stats());
    let extra = with_data.rec_group_bytes - plain.rec_group_bytes;
    let data = TYPES * size_of::<Data>();
    println!("rec_group_bytes: {extra} B more with {data} B of data");
    assert!(extra >= data, "{extra} B more with data, for {data} B of data: {plain:?} {with_data:?}");
    assert!(extra <= data + TYPES * 2 * size_of::<usize>(), "{extra} B more with data, for {data} B of data");
}
