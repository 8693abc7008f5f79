//! Memory amplification of deep hierarchies: a type's supertype chain is its
//! supertype's chain plus one entry, so a rec group of long subtype chains
//! must not store (or, while registering, build) a full chain per type.
//! Measured in heap bytes through a counting allocator, not in time.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use wasm_type_registry::*;

/// The system allocator, counting the bytes live and their peak.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call forwards to the system allocator with the caller's
// arguments; the counters are only statistics.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
        PEAK.fetch_max(live, Ordering::Relaxed);
        // SAFETY: forwarded as is (see the impl).
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: forwarded as is (see the impl).
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Types in the group.
const TYPES: u32 = 4_000;

/// The tests of this binary measure one process-wide counter: one at a time.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// One rec group of `TYPES` empty structs; with `deep`, chains of 63
/// subtypes one below the other (each type's supertype is the one before
/// it, restarting every 64 types), the deepest the limits allow.
fn group(deep: bool) -> ModuleTypes {
    let mut builder = ModuleTypes::builder();
    let first = builder.next_index().as_u32();
    let types = (0..TYPES).map(|i| {
        let supertype = (deep && i % 64 != 0).then(|| TypeRef::Module(ModuleTypeIndex::from_u32(first + i - 1)));
        SubType::struct_(false, supertype, [])
    });
    builder.rec_group(types.collect::<Vec<_>>());
    builder.build().expect("a valid group")
}

/// Heap bytes the registration of `module` keeps, and the peak above the
/// starting point while registering.
fn measure(module: &ModuleTypes) -> (usize, usize) {
    let registry = TypeRegistry::new();
    let before = LIVE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let types = registry.register_module(module).expect("registers");
    let kept = LIVE.load(Ordering::Relaxed) - before;
    let peak = PEAK.load(Ordering::Relaxed) - before;
    assert_eq!(types.len(), TYPES as usize);
    drop(types);
    registry.flush();
    (kept, peak)
}

/// Deep chains cost a small constant per type over the same group without
/// supertypes, kept and at the peak of registration (one full chain per type
/// kept about 6.5 times the shallow group's memory, and built a temporary
/// 504-byte chain per type while registering).
#[test]
fn a_deep_group_costs_a_small_constant_over_a_shallow_one() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    // Warm up: thread-local handles, the first segments.
    measure(&group(false));
    let (shallow_kept, shallow_peak) = measure(&group(false));
    let (deep_kept, deep_peak) = measure(&group(true));
    let per_type = |bytes: usize| bytes as f64 / f64::from(TYPES);
    println!(
        "kept per type: shallow {:.0} B, deep {:.0} B; peak per type: shallow {:.0} B, deep {:.0} B",
        per_type(shallow_kept),
        per_type(deep_kept),
        per_type(shallow_peak),
        per_type(deep_peak)
    );
    assert!(deep_kept <= 2 * shallow_kept, "deep chains kept {deep_kept} B against {shallow_kept} B shallow");
    assert!(deep_peak <= 2 * shallow_peak, "registering deep chains peaked at {deep_peak} B against {shallow_peak} B");
}

/// Registering and dropping one large struct group over and over, in one
/// registry and without `flush`, keeps the heap flat: each drop of a group
/// that large hands its garbage over with a collection step, which frees
/// what earlier drops retired; only the last one or two groups wait (a
/// retired group needs two epoch advances). (With every type a deferred free
/// in crossbeam-epoch's process-wide collector, 100 cycles of a
/// 10,000-type group grew the heap by 325 MiB.)
#[test]
fn churning_a_large_struct_group_does_not_grow_the_heap() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let mut builder = ModuleTypes::builder();
    let first = builder.next_index().as_u32();
    let types = (0..2_000u32).map(|i| {
        let previous = ValType::Ref(RefType::concrete(
            true,
            TypeRef::Module(ModuleTypeIndex::from_u32(first + i.saturating_sub(1))),
        ));
        let fields = [FieldType { mutable: true, storage: StorageType::Val(previous) }; 3];
        SubType::struct_(true, None, fields)
    });
    builder.rec_group(types.collect::<Vec<_>>());
    let module = builder.build().expect("a valid group");
    let registry = TypeRegistry::new();
    let cycle = || {
        let types = registry.register_module(&module).expect("registers");
        assert_eq!(types.len(), 2_000);
    };
    // Warm up: thread-local handles, segments, the map's shards.
    (0..5).for_each(|_| cycle());
    let before = LIVE.load(Ordering::Relaxed);
    (0..50).for_each(|_| cycle());
    let grown = LIVE.load(Ordering::Relaxed).saturating_sub(before);
    println!("heap grown over 50 cycles of a 2,000-type group: {grown} B; {:?}", registry.stats());
    assert!(grown < 1 << 20, "50 cycles grew the heap by {grown} B: {:?}", registry.stats());
    assert!(registry.stats().pending_frees <= 2, "garbage piles up: {:?}", registry.stats());
    registry.flush();
    assert_eq!(registry.stats().pending_frees, 0, "{:?}", registry.stats());
}
