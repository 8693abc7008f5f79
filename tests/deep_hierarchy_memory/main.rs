//! Memory amplification of deep hierarchies: a type's supertype chain is its
//! supertype's chain plus one entry, so neither the module builder nor the
//! registry may store (or, while working, build) a full chain per type.
//! Measured in heap bytes through a counting allocator, not in time.
//!
//! Each shape is one rec group of [`TYPES`] empty structs, read from a
//! binary module (written by hand below, 4 to 6 bytes a type):
//!
//! - **flat**: no supertypes;
//! - **chains**: chains of 63 subtypes one below the other (each type's
//!   supertype is the one before it, restarting every 64 types), the deepest
//!   the limits allow;
//! - **siblings**: one chain of 63 types, then types that all subtype its
//!   last one (depth 62), each at the deepest depth allowed;
//! - **siblings, equivalence-only fields**: the same, plus a short chain of
//!   five types with one mutable field each whose type alternates between
//!   two equivalent (but distinct) types, so that each of the last four
//!   matches its supertype only up to type equivalence: the module builder
//!   must then check the group with the module's types hash-consed.
//!
//! For each shape: reading the module (`ModuleInfo::from_wasm`) peaks
//! within a constant plus 64 times the input size, and registering it keeps, and peaks at, no more than twice what
//! the flat group of the same size does.

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

/// Types in the measured group.
const TYPES: u32 = 4_000;

/// The deepest chain the limits allow: 63 supertypes below the root.
const CHAIN: u32 = 64;

/// The tests of this binary measure one process-wide counter: one at a time.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// The group shapes measured (see the module docs).
#[derive(Clone, Copy, Debug)]
enum Shape {
    Flat,
    Chains,
    Siblings,
    SiblingsWithEquivalenceOnlyFields,
}

/// A binary type section, written by hand.
struct Section {
    groups: u32,
    body: Vec<u8>,
}

fn leb(out: &mut Vec<u8>, mut value: u32) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

impl Section {
    /// A non-final struct with an optional supertype and optional one
    /// mutable field of type `(ref null field)`.
    fn sub_struct(&mut self, supertype: Option<u32>, field: Option<u32>) {
        self.body.push(0x50);
        match supertype {
            Some(sup) => {
                self.body.push(1);
                leb(&mut self.body, sup);
            }
            None => self.body.push(0),
        }
        self.body.push(0x5f);
        match field {
            // One field: (mut (ref null field)); the index is an s33, one
            // byte below 64.
            Some(index) => {
                assert!(index < 64);
                self.body.extend([1, 0x63, index as u8, 1]);
            }
            None => self.body.push(0),
        }
    }

    /// The module with this type section.
    fn module(self) -> Vec<u8> {
        let mut section = Vec::new();
        leb(&mut section, self.groups);
        section.extend(self.body);
        let mut wasm = b"\0asm\x01\0\0\0\x01".to_vec();
        leb(&mut wasm, section.len() as u32);
        wasm.extend(section);
        wasm
    }
}

impl Shape {
    const ALL: [Shape; 4] = [Shape::Flat, Shape::Chains, Shape::Siblings, Shape::SiblingsWithEquivalenceOnlyFields];

    /// The binary module of this shape, with `TYPES` types in its one
    /// large rec group.
    fn wasm(self) -> Vec<u8> {
        let mut section = Section { groups: 1, body: Vec::new() };
        let mut first = 0;
        let mut fields = 0;
        if let Shape::SiblingsWithEquivalenceOnlyFields = self {
            // (type $a (struct)) (type $b (struct)): equivalent, distinct.
            section.groups += 2;
            section.body.extend([0x5f, 0x00, 0x5f, 0x00]);
            first = 2;
            fields = 5;
        }
        section.body.push(0x4e);
        leb(&mut section.body, TYPES);
        // Five types, each a subtype of the one before, each with a mutable
        // field of type $a, $b, $a, ...: the last four match their
        // supertype's field only because $a and $b are equivalent.
        for k in 0..fields {
            section.sub_struct((k > 0).then(|| first + k - 1), Some(k % 2));
        }
        let start = first + fields;
        for i in 0..TYPES - fields {
            let supertype = match self {
                Shape::Flat => None,
                Shape::Chains => (i % CHAIN != 0).then(|| start + i - 1),
                Shape::Siblings | Shape::SiblingsWithEquivalenceOnlyFields => {
                    (i > 0).then(|| start + i.min(CHAIN - 1) - 1)
                }
            };
            section.sub_struct(supertype, None);
        }
        section.module()
    }
}

/// Heap bytes the registration of `module` keeps, and the peak above the
/// starting point while registering.
fn measure_registration(module: &ModuleTypes) -> (usize, usize) {
    let registry = TypeRegistry::new();
    let before = LIVE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let types = registry.register_module(module).expect("registers");
    let kept = LIVE.load(Ordering::Relaxed) - before;
    let peak = PEAK.load(Ordering::Relaxed) - before;
    assert_eq!(types.len(), module.len());
    drop(types);
    registry.flush();
    (kept, peak)
}

/// The peak above the starting point while `read` runs (its result
/// included).
fn measure_peak<T>(read: impl FnOnce() -> T) -> (T, usize) {
    let before = LIVE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let value = read();
    (value, PEAK.load(Ordering::Relaxed) - before)
}

/// The crate's own work in reading a module (converting and checking its
/// types) peaks within this many bytes plus [`READ_BYTES_PER_INPUT_BYTE`]
/// times the input's size.
const READ_CONSTANT: usize = 64 << 10;
/// See [`READ_CONSTANT`].
const READ_BYTES_PER_INPUT_BYTE: usize = 64;

/// Reads and registers `shape`, prints the figures, and checks them.
///
/// Reading: [`ModuleTypesBuilder::build`] of the module's types (the
/// crate's checks, where supertype chains are built) peaks within
/// [`READ_CONSTANT`] plus [`READ_BYTES_PER_INPUT_BYTE`] times the input;
/// the whole of [`ModuleInfo::from_wasm`] within that, or within what
/// wasmparser's validator needs for the same bytes alone if that is more.
/// (For one rec group of thousands of small types the validator alone
/// takes 70 to 110 bytes per input byte, depending on how its vectors and
/// tables happen to have grown; its state is dropped before the types are
/// converted, so the two peaks do not add up.)
///
/// Registering: kept bytes and the peak within twice those of the flat
/// group of the same size.
fn check(shape: Shape) {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let flat = ModuleInfo::from_wasm(&Shape::Flat.wasm()).expect("a valid module").types;
    // Warm up: thread-local handles, the first segments.
    measure_registration(&flat);
    let (flat_kept, flat_peak) = measure_registration(&flat);

    let wasm = shape.wasm();
    let ((), validator_peak) = measure_peak(|| {
        let mut validator = wasmparser::Validator::new_with_features(ModuleTypes::WASM_FEATURES);
        validator.validate_all(&wasm).expect("wasmparser validates it");
    });
    let (info, read_peak) = measure_peak(|| ModuleInfo::from_wasm(&wasm).expect("a valid module"));
    let module = info.types;
    let mut builder = ModuleTypes::builder();
    for (_, types) in module.rec_groups() {
        builder.rec_group(types.to_vec());
    }
    let (built, build_peak) = measure_peak(|| builder.build().expect("a valid module"));
    assert_eq!(built, module);
    drop(built);
    let (kept, peak) = measure_registration(&module);

    let per_type = |bytes: usize| bytes as f64 / f64::from(TYPES);
    let per_input = |bytes: usize| bytes as f64 / wasm.len() as f64;
    println!(
        "{shape:?}: {} input bytes ({:.1} a type); peak: build {build_peak} B ({:.1}x input), \
         ModuleInfo::from_wasm {read_peak} B ({:.1}x), \
         wasmparser's validator alone {validator_peak} B ({:.1}x); registration: kept {:.0} B/type, \
         peak {:.0} B/type (flat group: {:.0} / {:.0})",
        wasm.len(),
        per_type(wasm.len()),
        per_input(build_peak),
        per_input(read_peak),
        per_input(validator_peak),
        per_type(kept),
        per_type(peak),
        per_type(flat_kept),
        per_type(flat_peak),
    );
    let own_bound = READ_CONSTANT + READ_BYTES_PER_INPUT_BYTE * wasm.len();
    assert!(build_peak <= own_bound, "{shape:?}: building the module's types peaked at {build_peak} B > {own_bound} B");
    let read_bound = own_bound.max(validator_peak);
    assert!(read_peak <= read_bound, "{shape:?}: ModuleInfo::from_wasm peaked at {read_peak} B > {read_bound} B");
    assert!(kept <= 2 * flat_kept, "{shape:?}: registration kept {kept} B against {flat_kept} B flat");
    assert!(peak <= 2 * flat_peak, "{shape:?}: registration peaked at {peak} B against {flat_peak} B flat");
}

/// The baseline's own figures: reading a flat group is within the reading
/// bounds too.
#[test]
fn a_flat_group_reads_within_the_bounds() {
    check(Shape::Flat);
}

/// Chains of 63 subtypes: each type extends its supertype's chain.
#[test]
fn deep_chains_cost_a_small_constant_over_a_flat_group() {
    check(Shape::Chains);
}

/// Thousands of types below one type of depth 62 share its chain rather
/// than each copying 63 entries.
#[test]
fn deep_siblings_cost_a_small_constant_over_a_flat_group() {
    check(Shape::Siblings);
}

/// The same, when the builder must check the group with the module's types
/// hash-consed among themselves.
#[test]
fn deep_siblings_checked_up_to_equivalence_cost_a_small_constant_over_a_flat_group() {
    check(Shape::SiblingsWithEquivalenceOnlyFields);
}

/// Every shape's module is what it says: valid, with the depths intended.
#[test]
fn the_shapes_have_the_intended_depths() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    for shape in Shape::ALL {
        let module = ModuleInfo::from_wasm(&shape.wasm()).expect("a valid module").types;
        let registry = TypeRegistry::new();
        let types = registry.register_module(&module).expect("registers");
        let depths: Vec<usize> = types.engine_types().iter().map(|&index| registry.depth(index).unwrap()).collect();
        let last = *depths.last().unwrap();
        let at_max = depths.iter().filter(|&&d| d == 63).count();
        match shape {
            Shape::Flat => assert_eq!((last, at_max), (0, 0)),
            Shape::Chains => assert_eq!(at_max, TYPES as usize / 64),
            Shape::Siblings => assert_eq!((last, at_max), (63, TYPES as usize - 63)),
            Shape::SiblingsWithEquivalenceOnlyFields => {
                assert_eq!((last, at_max), (63, TYPES as usize - 68));
                assert_eq!(depths[..7], [0, 0, 0, 1, 2, 3, 4]);
            }
        }
    }
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
