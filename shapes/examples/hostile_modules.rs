//! Writes the complexity attacks of `docs/reliability.md` as binary files,
//! to be read with the `inspect` example under `/usr/bin/time -v`:
//!
//! ```text
//! cargo run --release -p wasm-type-shapes --example hostile_modules -- DIR
//! cargo build --release --example inspect
//! /usr/bin/time -v target/release/examples/inspect DIR/empty_rec_groups_10M.wasm
//! ```
//!
//! - `empty_rec_groups_10M.wasm`: a type section of 10,000,000 empty rec
//!   groups (20 MB), ten times wasmparser's limit of 1,000,000 types.
//! - `types_1M_then_bad_group.wasm`: 999,997 types as binaryen emits them
//!   (singleton groups), then one rec group of three whose second type does
//!   not match its declared supertype.
//! - `types_1M_then_good_group.wasm`: its valid twin (same size).

use std::path::PathBuf;

use wasm_type_shapes as shapes;

fn read_leb(bytes: &[u8], pos: &mut usize) -> u64 {
    let mut value = 0;
    for shift in (0..).step_by(7) {
        let byte = bytes[*pos];
        *pos += 1;
        value |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            break;
        }
    }
    value
}

/// `module`'s type section with one more rec group: `(sub (struct (field
/// i32)))` then two `(sub 0 (struct (field T)))`, where the second type's
/// `T` is `i64` if `bad` (not a subtype), `i32` otherwise.
fn with_group(module: &[u8], bad: bool) -> Vec<u8> {
    assert_eq!(module[8], 1, "the type section comes first");
    let mut pos = 9;
    let size = read_leb(module, &mut pos) as usize;
    let contents_start = pos;
    let count = read_leb(module, &mut pos);
    let groups = &module[pos..contents_start + size];
    // The module's own types are singletons: the group's first type has
    // module index `count`.
    let mut more = groups.to_vec();
    more.extend([0x4e, 0x03, 0x50, 0x00, 0x5f, 0x01, 0x7f, 0x00]);
    for field in [if bad { 0x7e } else { 0x7f }, 0x7f] {
        more.extend([0x50, 0x01]);
        shapes::leb128(count, &mut more);
        more.extend([0x5f, 0x01, field, 0x00]);
    }
    shapes::raw_section_module(1, count + 1, &more)
}

fn main() {
    let dir = PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "hostile".to_string()));
    std::fs::create_dir_all(&dir).expect("create the output directory");
    let write = |name: &str, bytes: &[u8]| {
        let path = dir.join(name);
        std::fs::write(&path, bytes).expect("write a module");
        println!("{} ({} bytes)", path.display(), bytes.len());
    };
    write("empty_rec_groups_10M.wasm", &shapes::raw_section_module(1, 10_000_000, &[0x4e, 0x00].repeat(10_000_000)));
    let types = shapes::encode(&shapes::singleton_groups(1, 999_997));
    write("types_1M_then_bad_group.wasm", &with_group(&types, true));
    write("types_1M_then_good_group.wasm", &with_group(&types, false));
}
