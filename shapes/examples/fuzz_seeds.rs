//! Writes the seed corpus of the fuzz targets in `fuzz/` (checked in under
//! `fuzz/seeds/`): small binary modules of every shape this crate
//! generates, for `from_wasm`, and seeded random bytes for the structured
//! targets, whose inputs are decoded with `arbitrary`.
//!
//! `cargo run -p wasm-type-shapes --example fuzz_seeds -- fuzz/seeds`
//!
//! The output is the same on every machine; rerun it after changing a
//! generator and commit the result.

use std::path::{Path, PathBuf};

use wasm_type_registry::{FieldType, ModuleTypes, StorageType, SubType, TypeRef, ValType};
use wasm_type_shapes as shapes;

/// A chain of 64 struct types, each extending the one before: depth 63,
/// the limit.
fn deepest_chain() -> ModuleTypes {
    let mut builder = ModuleTypes::builder();
    let mut fields = Vec::new();
    let mut previous = None;
    for _ in 0..64 {
        fields.push(FieldType { mutable: false, storage: StorageType::Val(ValType::I32) });
        let index = builder.sub_type(SubType::struct_(false, previous, fields.clone()));
        previous = Some(TypeRef::Module(index));
    }
    builder.build().expect("a chain of depth 63 is valid")
}

/// Modules with the sections a real module has around its types.
const TEXT_MODULES: [&str; 4] = [
    r#"(module
        (type $f (func (param i32) (result i32)))
        (import "env" "f" (func (type $f)))
        (import "env" "g" (global i32))
        (memory 1 2)
        (table 4 funcref)
        (global $h (mut i64) (i64.const 7))
        (func (type $f) (local.get 0))
        (export "f" (func 1))
        (export "h" (global $h)))"#,
    r#"(module
        (rec (type $a (sub (struct (field (ref null $b))))) (type $b (sub (array (mut i8)))))
        (type $c (sub $a (struct (field (ref null $b)) (field f64))))
        (tag (param i32))
        (global (ref null $a) (ref.null $a)))"#,
    r#"(module
        (type $s (sub (struct (field (mut i32)))))
        (type $t (sub final $s (struct (field (mut i32)) (field i64))))
        (type (func (param (ref $s)) (result (ref null $t))))
        (data "abc")
        (elem func 0)
        (func (type 2) unreachable))"#,
    r#"(module (rec) (rec (type (func)) (type (struct))) (type (array i16)))"#,
];

fn write(dir: &Path, name: &str, bytes: &[u8]) {
    std::fs::create_dir_all(dir).expect("create the corpus directory");
    std::fs::write(dir.join(name), bytes).expect("write a seed");
}

fn main() {
    let out = PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "fuzz/seeds".to_string()));
    let modules = out.join("from_wasm");
    for seed in 0..8 {
        let module = shapes::small_module(seed, 2 + seed as usize % 5);
        write(&modules, &format!("small_module_{seed}.wasm"), &shapes::encode(&module));
    }
    write(&modules, "struct_hierarchy.wasm", &shapes::encode(&shapes::struct_hierarchy(1, 40, 8)));
    write(&modules, "singleton_groups.wasm", &shapes::encode(&shapes::singleton_groups(2, 30)));
    write(&modules, "one_big_rec_group.wasm", &shapes::encode(&shapes::one_big_rec_group(3, 14, 12, 2)));
    write(&modules, "deepest_chain.wasm", &shapes::encode(&deepest_chain()));
    let with_code = shapes::encode_with_functions(&shapes::small_module(4, 3), 3, 2);
    write(&modules, "small_module_with_code.wasm", &with_code);
    for (i, text) in TEXT_MODULES.iter().enumerate() {
        write(&modules, &format!("sections_{i}.wasm"), &shapes::wat(text));
    }
    // The structured targets read their operations from arbitrary bytes.
    let mut rng = shapes::Rng::new(0xf022);
    for target in ["builder_ops", "concurrent_model"] {
        for i in 0..8 {
            let len = 64 << (i % 5);
            let bytes: Vec<u8> = (0..len).map(|_| rng.next_u64() as u8).collect();
            write(&out.join(target), &format!("random_{i}.bin"), &bytes);
        }
    }
}
