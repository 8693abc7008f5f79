//! Hostile binary modules: what a count, a size or an error that the input
//! chooses can make `ModuleInfo::from_wasm` allocate.
//!
//! A counting global allocator measures, on the calling thread only, the
//! bytes allocated while one call runs: the peak of live bytes, the total,
//! and the largest single allocation. The tests pin the bounds that
//! `docs/reliability.md` and the rustdoc of `ModuleInfo::from_wasm` state:
//! - no allocation is sized by a count the input declares (the 15-byte
//!   module that used to abort the process with a 64 GiB reservation);
//! - the error path stops at the first error and costs no more than the
//!   success path on the valid twin (it used to convert the whole type
//!   section first, then register the module again in a scratch registry
//!   to name the failing type);
//! - that includes wasmparser's reservation for an explicit rec group's
//!   declared type count, which `from_wasm` checks before wasmparser sees
//!   it.
//!
//! Fuzzing finds of `fuzz/` that concern `from_wasm` become tests here,
//! named after what they found.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use wasm_type_registry::{ModuleInfo, RegistryError};
use wasm_type_shapes as shapes;

/// The system allocator, counting what the current thread allocates while
/// [`measure`] runs.
struct Counting;

thread_local! {
    static MEASURING: Cell<bool> = const { Cell::new(false) };
    /// Live bytes allocated since measuring began (frees of older memory
    /// can make it negative), its peak, the total, the largest request.
    static COUNTS: Cell<(i64, i64, u64, u64)> = const { Cell::new((0, 0, 0, 0)) };
}

fn record(allocated: usize, freed: usize) {
    // `try_with`: a thread being torn down has no thread-locals left, and
    // its allocations are not measured anyway.
    let _ = MEASURING.try_with(|measuring| {
        if measuring.get() {
            let (live, peak, total, largest) = COUNTS.get();
            let live = live + allocated as i64 - freed as i64;
            COUNTS.set((live, peak.max(live), total + allocated as u64, largest.max(allocated as u64)));
        }
    });
}

// SAFETY: every method forwards to `System` with the caller's arguments
// unchanged, so `System`'s guarantees are this allocator's; the counting
// touches only const-initialized thread-locals, which never allocate.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        record(layout.size(), 0);
        // SAFETY: the caller's contract for `alloc`, passed on unchanged.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        record(0, layout.size());
        // SAFETY: `ptr` was allocated by `System` with `layout` (every
        // allocation of this program goes through `alloc` above).
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        record(layout.size(), 0);
        // SAFETY: the caller's contract for `alloc_zeroed`, passed on unchanged.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        record(new_size, layout.size());
        // SAFETY: the caller's contract for `realloc`, passed on unchanged;
        // `ptr` came from `System` as above.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// What one call allocated on this thread.
#[derive(Clone, Copy, Debug)]
struct Allocated {
    /// The most bytes live at once.
    peak: u64,
    /// Every byte allocated, freed or not.
    total: u64,
    /// The largest single allocation.
    largest: u64,
}

fn measure<T>(f: impl FnOnce() -> T) -> (T, Allocated) {
    COUNTS.set((0, 0, 0, 0));
    MEASURING.set(true);
    let result = f();
    MEASURING.set(false);
    let (_, peak, total, largest) = COUNTS.get();
    (result, Allocated { peak: peak.max(0) as u64, total, largest })
}

fn from_wasm_measured(bytes: &[u8]) -> (Result<ModuleInfo, RegistryError>, Allocated) {
    measure(|| ModuleInfo::from_wasm(bytes))
}

/// A type section of `groups`, each already encoded.
fn type_section(groups: &[Vec<u8>]) -> Vec<u8> {
    shapes::raw_section_module(1, groups.len() as u64, &groups.concat())
}

/// `(type (struct (field i32) ... ))` with `n % 16 + 1` fields.
fn distinct_struct(n: usize) -> Vec<u8> {
    let fields = n % 16 + 1;
    let mut ty = vec![0x5f, fields as u8];
    for _ in 0..fields {
        ty.extend([0x7f, 0x00]);
    }
    ty
}

/// `n` singleton struct types, then a rec group of three whose type
/// `bad_at` (0, 1 or 2) declares `(sub $base ...)` with a field of another
/// type than `$base`'s, the module's type 0; with `bad_at = None`, the
/// valid twin (same size, same field type as `$base`).
fn types_then_group(n: usize, bad_at: Option<usize>) -> Vec<u8> {
    // $base: (type (sub (struct (field i32))))
    let mut groups = vec![vec![0x50, 0x00, 0x5f, 0x01, 0x7f, 0x00]];
    groups.extend((1..n).map(distinct_struct));
    let mut group = vec![0x4e, 0x03];
    for i in 0..3 {
        // (sub $base (struct (field i64))) where bad, (field i32) where not.
        let field = if bad_at == Some(i) { 0x7e } else { 0x7f };
        group.extend([0x50, 0x01, 0x00, 0x5f, 0x01, field, 0x00]);
    }
    groups.push(group);
    type_section(&groups)
}

/// The module of the report: a type section that declares 0xFFFFFFFF rec
/// groups in 5 bytes. `from_wasm` used to reserve a vector by that count
/// (64 GiB) before anything checked it, and the allocation failure aborted
/// the process.
#[test]
fn fifteen_byte_module_declaring_4294967295_rec_groups_is_refused_without_a_big_allocation() {
    let bytes = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0xff, 0xff, 0xff, 0xff, 0x0f];
    let (result, allocated) = from_wasm_measured(&bytes);
    match result {
        Err(RegistryError::InvalidWasm { offset: 10, message }) => {
            assert!(message.contains("declares 4294967295 rec groups but holds only 5 bytes"), "{message}")
        }
        other => panic!("expected InvalidWasm at the count, got {other:?}"),
    }
    assert!(allocated.peak < 64 * 1024 && allocated.largest < 16 * 1024, "{allocated:?}");
}

/// Every section with a count gets the same check, before wasmparser
/// reserves its tables by the count (it checks its own limits first, which
/// still allows a million entries from a few bytes).
#[test]
fn no_section_count_sizes_an_allocation() {
    for (id, what) in [
        (1, "rec groups"),
        (2, "imports"),
        (3, "functions"),
        (4, "tables"),
        (5, "memories"),
        (6, "globals"),
        (7, "exports"),
        (9, "element segments"),
        (10, "function bodies"),
        (11, "data segments"),
        (13, "tags"),
    ] {
        for count in [1_000_000, u64::from(u32::MAX)] {
            let bytes = shapes::raw_section_module(id, count, &[0x00, 0x00]);
            let (result, allocated) = from_wasm_measured(&bytes);
            match result {
                // The parser itself refuses a code section without a
                // function section, before any count is used.
                Err(RegistryError::InvalidWasm { message, .. }) if id == 10 => {
                    assert!(message.contains("function section is absent"), "{message}")
                }
                Err(RegistryError::InvalidWasm { message, .. }) => {
                    assert!(message.contains(&format!("declares {count} {what}")), "section {id}: {message}")
                }
                other => panic!("section {id}: expected InvalidWasm, got {other:?}"),
            }
            assert!(allocated.peak < 64 * 1024, "section {id}, count {count}: {allocated:?}");
        }
    }
}

/// 2 million empty rec groups (4 MB): more than the 1,000,000-type limit
/// allows, which the validator sees from the count alone. The old code
/// decoded and converted every group before validating (1.29 s and 218 MB
/// for 10 million); now the cost does not depend on the groups at all.
#[test]
fn too_many_rec_groups_are_refused_from_the_count_alone() {
    let groups = vec![vec![0x4e, 0x00]; 2_000_000];
    let bytes = type_section(&groups);
    let (result, allocated) = from_wasm_measured(&bytes);
    match result {
        Err(RegistryError::InvalidWasm { message, .. }) => assert!(message.contains("types count"), "{message}"),
        other => panic!("expected InvalidWasm, got {other:?}"),
    }
    assert!(allocated.peak < 64 * 1024, "{allocated:?}");
}

/// A bad first type followed by 100,000 valid ones: refused at the first
/// group, whatever follows. The old code converted the whole section first.
#[test]
fn the_first_error_stops_the_reading() {
    // (type (sub $self (struct))): a supertype not defined before.
    let mut groups = vec![vec![0x50, 0x01, 0x00, 0x5f, 0x00]];
    groups.extend((0..100_000).map(distinct_struct));
    let bytes = type_section(&groups);
    let (result, allocated) = from_wasm_measured(&bytes);
    assert!(matches!(result, Err(RegistryError::InvalidTypeSection { type_index: 0, rec_group: 0, .. })), "{result:?}");
    // wasmparser reserves its type table by the declared count (4 bytes a
    // rec group here, as the count is within the section's bytes); the
    // 100,000 groups after the error are never decoded or converted.
    let table = 4 * groups.len() as u64;
    assert!(allocated.peak < table + 64 * 1024, "{allocated:?} for {} bytes", bytes.len());
}

/// 20,000 types and a bad rec group: the error names the refused type
/// inside its group, and the error path allocates no more than reading the
/// valid twin (the old code converted everything, then registered the
/// module again in a scratch registry to name the type: more than the
/// success path, 2.41 GB against 1.4 GB at a million types).
#[test]
fn the_error_path_costs_no_more_than_the_valid_twin_and_names_the_type() {
    const N: usize = 20_000;
    let (valid, valid_allocated) = from_wasm_measured(&types_then_group(N, None));
    assert_eq!(valid.unwrap().types.len(), N + 3);
    for bad_at in 0..3 {
        let bytes = types_then_group(N, Some(bad_at));
        let (result, allocated) = from_wasm_measured(&bytes);
        match &result {
            Err(RegistryError::InvalidTypeSection { type_index, rec_group, message, .. }) => {
                assert_eq!((*type_index, *rec_group), ((N + bad_at) as u32, N as u32), "{message}");
                assert!(message.contains("sub type must match super type"), "{message}");
            }
            other => panic!("expected InvalidTypeSection, got {other:?}"),
        }
        assert!(
            allocated.peak <= valid_allocated.peak && allocated.total <= valid_allocated.total,
            "error path {allocated:?}, valid twin {valid_allocated:?}"
        );
        // And in proportion to the input: wasmparser's type table is most
        // of it.
        assert!(allocated.peak < 200 * bytes.len() as u64, "{allocated:?} for {} bytes", bytes.len());
    }
}

/// An explicit rec group that declares 1,000,000 types and holds none:
/// wasmparser reserves room for the declared count (96 bytes a type, 96 MB)
/// before decoding one, so `from_wasm` checks the count against the bytes
/// left first.
#[test]
fn a_rec_group_declaring_a_million_types_in_no_bytes_is_refused_before_wasmparser_reserves() {
    for (declared, holding) in [(1_000_000u64, 0usize), (1_000_000, 1_000), (3, 2)] {
        let mut group = vec![0x4e];
        shapes::leb128(declared, &mut group);
        // `holding` types of one byte each would not decode; what matters is
        // that there are fewer bytes than declared types.
        group.extend(std::iter::repeat_n(0x00, holding));
        // A valid type first, so the group is rec group 1 and starts at type 1.
        let bytes = type_section(&[distinct_struct(0), group]);
        let (result, allocated) = from_wasm_measured(&bytes);
        match &result {
            Err(RegistryError::InvalidTypeSection { type_index: 1, rec_group: 1, message, .. }) => {
                assert!(message.contains(&format!("declares {declared} types")), "{message}")
            }
            other => panic!("expected InvalidTypeSection for type 1 in rec group 1, got {other:?}"),
        }
        assert!(allocated.peak < 64 * 1024, "{declared} declared in {holding} bytes: {allocated:?}");
    }
    // The size that wasmparser would reserve, for the docs.
    let entry = std::mem::size_of::<(usize, wasmparser::SubType)>();
    assert_eq!(entry, 96, "docs/reliability.md quotes 96 bytes a declared type");
}

/// The first find of `fuzz/`'s `from_wasm` target (artifact
/// `oom-8b43913577425d44e39a123e0975da16e5a760eb`, 19,173 executions in):
/// a rec group declaring 704,511 types (`4e ff ff 2a`) inside an 85-byte
/// type section made wasmparser reserve 67,633,056 bytes, over the run's
/// 64 MiB allocation limit. The allocation was the target's oracle (plain
/// wasmparser); `from_wasm` refuses the count before wasmparser decodes it.
#[test]
fn fuzz_oom_8b43913_rec_group_count_beyond_the_section() {
    let bytes: [u8; 106] = [
        0, 97, 115, 109, 1, 0, 0, 0, 1, 85, 4, 78, 4, 96, 0, 0, 95, 2, 127, 0, 127, 0, 95, 1, 119, 1, 94, 120, 1, 78,
        255, 255, 42, 255, 255, 255, 127, 15, 4, 94, 99, 1, 1, 95, 4, 100, 108, 0, 99, 4, 1, 95, 3, 120, 1, 126, 0,
        124, 0, 95, 0, 0, 0, 118, 126, 126, 0, 120, 0, 124, 1, 100, 4, 1, 78, 2, 96, 5, 117, 124, 111, 99, 0, 100, 7,
        0, 255, 255, 255, 255, 15, 4, 94, 99, 1, 1, 95, 4, 0, 10, 16, 0, 0, 0, 120, 0,
    ];
    let (result, allocated) = from_wasm_measured(&bytes);
    match &result {
        Err(RegistryError::InvalidTypeSection { type_index: 4, rec_group: 1, message, .. }) => {
            assert!(message.contains("declares 704511 types"), "{message}")
        }
        other => panic!("expected the count of rec group 1 refused, got {other:?}"),
    }
    assert!(allocated.largest < 64 * 1024, "{allocated:?}");
}

/// Inside one type, wasmparser reserves by the declared count after
/// checking it against its limits (10,000 struct fields, 1,000 params,
/// 1,000 results): from a few bytes, a reservation of a fixed size at most,
/// freed with the error. `docs/reliability.md` quotes the figure.
#[test]
fn counts_inside_a_type_reserve_a_bounded_amount() {
    let declared = |prefix: &[u8], count: u64| {
        let mut ty = prefix.to_vec();
        shapes::leb128(count, &mut ty);
        ty
    };
    for (what, ty) in [
        ("struct fields", declared(&[0x5f], 10_000)),
        ("params", declared(&[0x60], 1_000)),
        ("results", declared(&[0x60, 0x00], 1_000)),
    ] {
        let bytes = type_section(&[ty]);
        let (result, allocated) = from_wasm_measured(&bytes);
        assert!(result.is_err(), "{what}");
        println!("untrusted_modules: {} bytes declaring {what}: {allocated:?}", bytes.len());
        assert!(allocated.largest <= 16 * 1024, "{what}: {allocated:?}");
    }
}

/// Nothing is converted before the whole module has validated: valid types
/// followed by a bad export section cost less than the valid module, by
/// at least the converted types' size.
#[test]
fn a_bad_section_after_the_types_costs_no_conversion() {
    const N: usize = 20_000;
    let valid = types_then_group(N, None);
    // (export "f" (func 0)) with no function.
    let mut bad_export = valid.clone();
    bad_export.extend([0x07, 0x05, 0x01, 0x01, b'f', 0x00, 0x00]);
    let (result, valid_allocated) = from_wasm_measured(&valid);
    assert_eq!(result.unwrap().types.len(), N + 3);
    let (result, allocated) = from_wasm_measured(&bad_export);
    match &result {
        Err(RegistryError::InvalidWasm { message, .. }) => assert!(message.contains("unknown function"), "{message}"),
        other => panic!("expected InvalidWasm, got {other:?}"),
    }
    let converted = (N * std::mem::size_of::<wasm_type_registry::SubType>()) as u64;
    println!("untrusted_modules: valid {valid_allocated:?}, bad export {allocated:?}, {converted} bytes of SubType");
    assert!(allocated.peak + converted <= valid_allocated.peak, "{allocated:?} against {valid_allocated:?}");
}
