//! Seeded, deterministic generators of the type-section shapes that real
//! WebAssembly compilers emit, for `wasm-type-registry`'s tests, examples
//! and benchmarks.
//!
//! Every generator takes a seed and returns the same [`ModuleTypes`] for the
//! same arguments on every machine, so benchmark inputs and failing test
//! cases can be reproduced exactly.
//!
//! | generator | models |
//! |---|---|
//! | [`one_big_rec_group`] | dart2wasm: one rec group of thousands of structs, funcs and a few arrays, supertype depth up to 9 |
//! | [`singleton_groups`] | binaryen `--minimize-rec-groups`: thousands of one-type rec groups |
//! | [`struct_hierarchy`] | a class hierarchy for subtype checks: singleton struct types, depth up to a bound |
//! | [`small_module`] | a typical small module: a few small rec groups and function types |
//! | [`numbered_func_type`], [`numbered_struct_type`] | one distinct type per number, for registration benchmarks |
//!
//! [`workload`] drives a registry with a realistic mix of operations on
//! these shapes from several threads. [`encode`] turns any of them into a
//! binary module (just a type section), the input a runtime would read with
//! [`ModuleInfo::from_wasm`](wasm_type_registry::ModuleInfo::from_wasm).
//!
//! [`proposal_gen`] makes random valid modules that use the type features
//! of the custom descriptors, stack switching and shared-everything threads
//! proposals, read from a [`Choices`] stream; [`census`] counts which of
//! those features a run's inputs carried.

#![deny(missing_docs)]

pub mod census;
pub mod workload;

use wasm_type_registry::wasmparser;

// The proposals' generator and the choice stream it reads are the source
// files of the crate's shipped tests (tests/common/), compiled here as
// they are: `cargo package` leaves out every file under this crate's
// folder, so a file here could not serve the published tests. The fuzz
// targets and the workspace-only tests reach the generator through this
// crate.
#[allow(dead_code)]
#[path = "../../tests/common/model.rs"]
mod model;

#[allow(dead_code)]
#[path = "../../tests/common/generate.rs"]
mod generate;

#[path = "../../tests/common/proposal_gen.rs"]
pub mod proposal_gen;

pub use generate::Choices;

use wasm_type_registry::{
    AbstractHeapType, FieldType, ModuleInfo, ModuleTypeIndex, ModuleTypes, ModuleTypesBuilder, RefType, StorageType,
    SubType, TypeCollection, TypeRef, TypeRegistry, ValType,
};

/// SplitMix64: tiny, fast, and the same everywhere.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// True with probability `percent / 100`.
    pub fn percent(&mut self, percent: u64) -> bool {
        self.next_u64() % 100 < percent
    }

    /// A uniformly chosen element of a non-empty slice.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// The counts of dart2wasm's single rec group for a mid-sized app
/// (8,395 types): 3,689 structs, 4,797 function types, 11 arrays.
pub const DART2WASM_COUNTS: (usize, usize, usize) = (3_689, 4_797, 11);

fn field(mutable: bool, storage: StorageType) -> FieldType {
    FieldType { mutable, storage }
}

fn module_ref(nullable: bool, index: u32) -> ValType {
    ValType::Ref(RefType::concrete(nullable, TypeRef::Module(ModuleTypeIndex::from_u32(index))))
}

/// A random value type: mostly numbers and abstract references, and with
/// probability `concrete_percent` a reference to one of `targets`.
fn val_type(rng: &mut Rng, targets: &[u32], concrete_percent: u64) -> ValType {
    if !targets.is_empty() && rng.percent(concrete_percent) {
        return module_ref(rng.percent(70), *rng.pick(targets));
    }
    match rng.below(8) {
        0 | 1 => ValType::I32,
        2 => ValType::I64,
        3 => ValType::F64,
        4 => ValType::F32,
        5 => ValType::Ref(RefType::nullable(AbstractHeapType::Any)),
        6 => ValType::Ref(RefType::nullable(AbstractHeapType::Extern)),
        _ => ValType::Ref(RefType {
            nullable: false,
            heap_type: wasm_type_registry::HeapType::Abstract(AbstractHeapType::I31),
        }),
    }
}

fn storage(rng: &mut Rng, targets: &[u32]) -> StorageType {
    match rng.below(10) {
        0 => StorageType::I8,
        1 => StorageType::I16,
        _ => StorageType::Val(val_type(rng, targets, 40)),
    }
}

/// A function type over `targets`, final, no supertype.
fn func(rng: &mut Rng, targets: &[u32]) -> SubType {
    let params: Vec<ValType> = (0..rng.below(6)).map(|_| val_type(rng, targets, 30)).collect();
    let results: Vec<ValType> = (0..rng.below(3)).map(|_| val_type(rng, targets, 30)).collect();
    SubType::func(params, results)
}

/// A struct type as a compiler emits a class: with probability
/// `parent_percent` it extends a random open struct of depth below 9 among
/// `earlier` (repeating its fields, so the subtype is valid), then adds up to
/// three fields of its own over `targets`. 30% are final; the others are
/// recorded in `open` as `(index, depth)`.
fn class_struct(
    rng: &mut Rng,
    open: &mut Vec<(u32, usize)>,
    earlier: &[SubType],
    index: u32,
    parent_percent: u64,
    targets: &[u32],
) -> SubType {
    let parent =
        (!open.is_empty() && rng.percent(parent_percent)).then(|| *rng.pick(open)).filter(|&(_, depth)| depth < 9);
    let mut fields: Vec<FieldType> = match parent.map(|(p, _)| &earlier[p as usize].composite) {
        Some(wasm_type_registry::CompositeType::Struct(s)) => s.fields.to_vec(),
        _ => Vec::new(),
    };
    for _ in 0..rng.below(4) {
        fields.push(field(rng.percent(50), storage(rng, targets)));
    }
    let is_final = rng.percent(30);
    if !is_final {
        open.push((index, parent.map_or(0, |(_, d)| d + 1)));
    }
    SubType::struct_(is_final, parent.map(|(p, _)| TypeRef::Module(ModuleTypeIndex::from_u32(p))), fields)
}

/// One rec group shaped like dart2wasm output, with `structs`, `funcs` and
/// `arrays` types interleaved as a compiler emits them. Structs form class
/// hierarchies up to depth 9 (a subclass repeats its superclass's fields and
/// adds its own); fields, params and results reference any type of the group.
pub fn one_big_rec_group(seed: u64, structs: usize, funcs: usize, arrays: usize) -> ModuleTypes {
    let mut rng = Rng::new(seed);
    let total = structs + funcs + arrays;
    // Decide each slot's kind first, so references can point anywhere in the
    // group (forward references inside a rec group are legal).
    let mut kinds: Vec<u8> =
        [(0u8, structs), (1, funcs), (2, arrays)].iter().flat_map(|&(kind, n)| std::iter::repeat_n(kind, n)).collect();
    for i in (1..kinds.len()).rev() {
        kinds.swap(i, rng.below(i + 1));
    }
    // The first type is a struct, so every struct has a possible root.
    if let Some(first_struct) = kinds.iter().position(|&k| k == 0) {
        kinds.swap(0, first_struct);
    }
    let struct_indices: Vec<u32> = (0..total as u32).filter(|&i| kinds[i as usize] == 0).collect();
    let mut types: Vec<SubType> = Vec::with_capacity(total);
    // (index, depth, field count) of open (non-final) structs so far.
    let mut open_structs: Vec<(u32, usize)> = Vec::new();
    for (i, &kind) in kinds.iter().enumerate() {
        let ty = match kind {
            0 => class_struct(&mut rng, &mut open_structs, &types, i as u32, 80, &struct_indices),
            1 => func(&mut rng, &struct_indices),
            _ => SubType::array(true, None, field(true, storage(&mut rng, &struct_indices))),
        };
        types.push(ty);
    }
    let mut builder = ModuleTypes::builder();
    builder.rec_group(types);
    build(builder)
}

/// The dart2wasm-like group at the size of the real one ([`DART2WASM_COUNTS`]).
pub fn dart2wasm_like(seed: u64) -> ModuleTypes {
    let (structs, funcs, arrays) = DART2WASM_COUNTS;
    one_big_rec_group(seed, structs, funcs, arrays)
}

/// `count` singleton rec groups, as binaryen's `--minimize-rec-groups`
/// emits: about 40% structs (with supertypes among earlier open structs),
/// 55% function types, the rest arrays; references only to earlier types
/// or to the type itself.
pub fn singleton_groups(seed: u64, count: usize) -> ModuleTypes {
    let mut rng = Rng::new(seed);
    let mut builder = ModuleTypes::builder();
    let mut structs: Vec<u32> = Vec::new();
    let mut open_structs: Vec<(u32, usize)> = Vec::new();
    let mut all: Vec<SubType> = Vec::new();
    for i in 0..count as u32 {
        let roll = rng.below(100);
        let ty = if roll < 40 {
            let mut targets = structs.clone();
            targets.push(i);
            structs.push(i);
            class_struct(&mut rng, &mut open_structs, &all, i, 60, &targets)
        } else if roll < 95 {
            func(&mut rng, &structs)
        } else {
            SubType::array(true, None, field(true, storage(&mut rng, &structs)))
        };
        all.push(ty.clone());
        builder.sub_type(ty);
    }
    build(builder)
}

/// `count` singleton struct types forming a forest of class hierarchies up
/// to `max_depth` supertypes deep, for subtype checks. Each new type extends
/// a random open type (or starts a new root 5% of the time) with one field
/// of a random scalar storage type. Siblings that happen to add the same
/// field are the same type, as they would be in a real module.
pub fn struct_hierarchy(seed: u64, count: usize, max_depth: usize) -> ModuleTypes {
    const SCALARS: [StorageType; 6] = [
        StorageType::I8,
        StorageType::I16,
        StorageType::Val(ValType::I32),
        StorageType::Val(ValType::I64),
        StorageType::Val(ValType::F32),
        StorageType::Val(ValType::F64),
    ];
    let mut rng = Rng::new(seed);
    let mut builder = ModuleTypes::builder();
    // (index, depth, fields)
    let mut open: Vec<(u32, usize, Vec<FieldType>)> = Vec::new();
    for i in 0..count as u32 {
        let parent =
            (!open.is_empty() && !rng.percent(5)).then(|| rng.pick(&open).clone()).filter(|(_, d, _)| *d < max_depth);
        let (supertype, depth, mut fields) = match parent {
            Some((p, d, fields)) => (Some(TypeRef::Module(ModuleTypeIndex::from_u32(p))), d + 1, fields),
            None => (None, 0, Vec::new()),
        };
        fields.push(field(rng.percent(50), *rng.pick(&SCALARS)));
        builder.sub_type(SubType::struct_(false, supertype, fields.clone()));
        open.push((i, depth, fields));
    }
    build(builder)
}

/// A small module as a typical toolchain emits it: `groups` rec groups of 1
/// to 4 types (structs referencing each other, an array) plus function
/// types over them. Different seeds give mostly different modules; equal
/// seeds give equal ones.
pub fn small_module(seed: u64, groups: usize) -> ModuleTypes {
    let mut rng = Rng::new(seed);
    let mut builder = ModuleTypes::builder();
    let mut earlier: Vec<u32> = Vec::new();
    for _ in 0..groups {
        let start = builder.next_index().as_u32();
        let len = 1 + rng.below(4) as u32;
        let mut targets = earlier.clone();
        targets.extend(start..start + len);
        let types: Vec<SubType> = (0..len)
            .map(|_| match rng.below(4) {
                0 => func(&mut rng, &targets),
                1 => SubType::array(true, None, field(true, storage(&mut rng, &targets))),
                _ => {
                    let fields: Vec<FieldType> =
                        (0..1 + rng.below(4)).map(|_| field(rng.percent(50), storage(&mut rng, &targets))).collect();
                    SubType::struct_(true, None, fields)
                }
            })
            .collect();
        builder.rec_group(types);
        earlier.extend(start..start + len);
    }
    build(builder)
}

/// A final function type with no concrete references, distinct for
/// distinct `n` (its parameters spell `n` in binary as i32/i64).
pub fn numbered_func_type(n: u64) -> SubType {
    let params: Vec<ValType> = (0..64 - n.leading_zeros().min(63))
        .map(|bit| if n >> bit & 1 == 1 { ValType::I64 } else { ValType::I32 })
        .chain(std::iter::once(ValType::F32))
        .collect();
    SubType::func(params, [ValType::Ref(RefType::nullable(AbstractHeapType::Func))])
}

/// A final struct type with no supertype and no concrete references,
/// distinct for distinct `n` (its fields spell `n` in binary as mutable
/// i32/i64 fields, then an immutable f32).
pub fn numbered_struct_type(n: u64) -> SubType {
    let fields: Vec<FieldType> = (0..64 - n.leading_zeros().min(63))
        .map(|bit| field(true, StorageType::Val(if n >> bit & 1 == 1 { ValType::I64 } else { ValType::I32 })))
        .chain(std::iter::once(field(false, StorageType::Val(ValType::F32))))
        .collect();
    SubType::struct_(true, None, fields)
}

/// A binary core module whose type section holds `module`'s rec groups in
/// order: singleton groups as plain types, others (and empty ones) as
/// explicit `rec` groups, so that reading it back gives `module` again.
///
/// The binary encoding of a module in the text format, for tests.
///
/// # Panics
/// If `text` is not a valid text module (test inputs are written by hand).
pub fn wat(text: &str) -> Vec<u8> {
    let buffer = wast::parser::ParseBuffer::new(text).unwrap_or_else(|e| panic!("{e}"));
    let mut wat = wast::parser::parse::<wast::Wat>(&buffer).unwrap_or_else(|e| panic!("{e}"));
    wat.encode().unwrap_or_else(|e| panic!("{e}"))
}

/// # Panics
/// Never for a built [`ModuleTypes`]: validation guarantees every reference
/// is a module index, the only kind a binary module can hold.
pub fn encode(module: &ModuleTypes) -> Vec<u8> {
    encode_with_functions(module, 0, 0)
}

/// Like [`encode`], plus `functions` function bodies of about `body_len`
/// bytes each (`nop`s, then `unreachable`, so that each is valid whatever
/// its signature), typed round-robin over the module's function types: the
/// size of real compiler output, most of which is code. With no function
/// types in `module`, no functions.
pub fn encode_with_functions(module: &ModuleTypes, functions: usize, body_len: usize) -> Vec<u8> {
    let mut section = wasm_encoder::TypeSection::new();
    for (_, group) in module.rec_groups() {
        let mut types = group.iter().map(encode_sub_type);
        match (group.len(), types.next()) {
            (1, Some(ty)) => section.ty().subtype(&ty),
            (_, first) => section.ty().rec(first.into_iter().chain(types).collect::<Vec<_>>()),
        }
    }
    let mut binary = wasm_encoder::Module::new();
    binary.section(&section);
    let func_types: Vec<u32> =
        (0..module.len() as u32).filter(|&i| module.types()[i as usize].as_func().is_some()).collect();
    if functions > 0 && !func_types.is_empty() {
        let mut declarations = wasm_encoder::FunctionSection::new();
        let mut code = wasm_encoder::CodeSection::new();
        for i in 0..functions {
            declarations.function(func_types[i % func_types.len()]);
            let mut body = wasm_encoder::Function::new([]);
            for _ in 0..body_len {
                body.instruction(&wasm_encoder::Instruction::Nop);
            }
            body.instruction(&wasm_encoder::Instruction::Unreachable);
            body.instruction(&wasm_encoder::Instruction::End);
            code.function(&body);
        }
        binary.section(&declarations);
        binary.section(&code);
    }
    binary.finish()
}

/// wasmparser's verdict on a binary module as
/// [`ModuleInfo::from_wasm`](wasm_type_registry::ModuleInfo::from_wasm)
/// reads it: every section validated with [`ModuleTypes::WASM_FEATURES`],
/// function bodies not, which is the runtime compiler's job. Written here
/// with wasmparser alone, independently of the crate's walk, as the oracle
/// of the differential tests and fuzz targets.
///
/// # Errors
/// wasmparser's, for a module it refuses.
pub fn validate_without_bodies(bytes: &[u8]) -> Result<wasmparser::types::Types, wasmparser::BinaryReaderError> {
    let mut validator = wasmparser::Validator::new_with_features(ModuleTypes::WASM_FEATURES);
    for payload in wasmparser::Parser::new(0).parse_all(bytes) {
        if let wasmparser::ValidPayload::End(types) = validator.payload(&payload?)? {
            return Ok(types);
        }
    }
    // `parse_all` ends with the module's end, or stops at an error.
    unreachable!("wasmparser's parser ended without an end payload or an error")
}

/// Checks what a linker would, for a module linked with itself: each of
/// `info`'s imports and exports has an engine form (through `types`, the
/// module's registered types) that [`TypeRegistry::check_import`] matches
/// with itself: an exact import is satisfied by an exact export of its
/// type, an inexact one by an inexact one.
///
/// # Errors
/// The first type without an engine form or not matching itself, with the
/// crate's error.
pub fn check_self_link(registry: &TypeRegistry, types: &TypeCollection, info: &ModuleInfo) -> Result<(), String> {
    for ty in info.imports.iter().map(|i| &i.ty).chain(info.exports.iter().map(|e| &e.ty)) {
        let engine = types.engine_extern_type(ty).map_err(|e| format!("{ty}: no engine form: {e}"))?;
        registry.check_import(&engine, &engine).map_err(|e| format!("{ty} does not match itself: {e}"))?;
    }
    Ok(())
}

/// Appends `n` in unsigned LEB128, the binary format's integer encoding,
/// for tests that write hostile modules byte by byte.
pub fn leb128(n: u64, out: &mut Vec<u8>) {
    wasm_encoder::Encode::encode(&n, out);
}

/// A module of one section `id` whose contents are `count` then `items`,
/// byte for byte and unchecked: for tests that write malformed or hostile
/// modules.
pub fn raw_section_module(id: u8, count: u64, items: &[u8]) -> Vec<u8> {
    let mut contents = Vec::new();
    leb128(count, &mut contents);
    contents.extend_from_slice(items);
    let mut bytes = b"\0asm\x01\0\0\0".to_vec();
    bytes.push(id);
    leb128(contents.len() as u64, &mut bytes);
    bytes.extend(contents);
    bytes
}

fn encode_index(r: TypeRef) -> u32 {
    match r {
        TypeRef::Module(index) => index.as_u32(),
        other => panic!("a built ModuleTypes holds only module indices, not {other:?}"),
    }
}

fn encode_sub_type(ty: &SubType) -> wasm_encoder::SubType {
    use wasm_type_registry::CompositeType;
    let inner = match &ty.composite {
        CompositeType::Func(f) => wasm_encoder::CompositeInnerType::Func(wasm_encoder::FuncType::new(
            f.params.iter().map(encode_val_type),
            f.results.iter().map(encode_val_type),
        )),
        CompositeType::Struct(s) => wasm_encoder::CompositeInnerType::Struct(wasm_encoder::StructType {
            fields: s.fields.iter().map(encode_field).collect(),
        }),
        CompositeType::Array(a) => {
            wasm_encoder::CompositeInnerType::Array(wasm_encoder::ArrayType(encode_field(&a.element)))
        }
        CompositeType::Cont(c) => wasm_encoder::CompositeInnerType::Cont(wasm_encoder::ContType(encode_index(c.func))),
    };
    let (descriptor, describes) = match &ty.composite {
        CompositeType::Struct(s) => (s.descriptor.map(encode_index), s.describes.map(encode_index)),
        _ => (None, None),
    };
    wasm_encoder::SubType {
        is_final: ty.is_final,
        supertype_idxs: ty.supertype.map(encode_index).into_iter().collect(),
        composite_type: wasm_encoder::CompositeType { inner, shared: ty.shared, descriptor, describes },
    }
}

fn encode_field(field: &FieldType) -> wasm_encoder::FieldType {
    let element_type = match field.storage {
        StorageType::I8 => wasm_encoder::StorageType::I8,
        StorageType::I16 => wasm_encoder::StorageType::I16,
        StorageType::Val(v) => wasm_encoder::StorageType::Val(encode_val_type(&v)),
    };
    wasm_encoder::FieldType { element_type, mutable: field.mutable }
}

fn encode_abstract(h: AbstractHeapType) -> wasm_encoder::AbstractHeapType {
    use wasm_encoder::AbstractHeapType as E;
    match h {
        AbstractHeapType::Func => E::Func,
        AbstractHeapType::NoFunc => E::NoFunc,
        AbstractHeapType::Extern => E::Extern,
        AbstractHeapType::NoExtern => E::NoExtern,
        AbstractHeapType::Any => E::Any,
        AbstractHeapType::Eq => E::Eq,
        AbstractHeapType::I31 => E::I31,
        AbstractHeapType::Struct => E::Struct,
        AbstractHeapType::Array => E::Array,
        AbstractHeapType::None => E::None,
        AbstractHeapType::Exn => E::Exn,
        AbstractHeapType::NoExn => E::NoExn,
        AbstractHeapType::Cont => E::Cont,
        AbstractHeapType::NoCont => E::NoCont,
    }
}

fn encode_val_type(ty: &ValType) -> wasm_encoder::ValType {
    use wasm_type_registry::HeapType;
    match *ty {
        ValType::I32 => wasm_encoder::ValType::I32,
        ValType::I64 => wasm_encoder::ValType::I64,
        ValType::F32 => wasm_encoder::ValType::F32,
        ValType::F64 => wasm_encoder::ValType::F64,
        ValType::V128 => wasm_encoder::ValType::V128,
        ValType::Ref(RefType { nullable, heap_type }) => {
            let heap_type = match heap_type {
                HeapType::Concrete(r) => wasm_encoder::HeapType::Concrete(encode_index(r)),
                HeapType::Exact(r) => wasm_encoder::HeapType::Exact(encode_index(r)),
                HeapType::Abstract(h) => wasm_encoder::HeapType::Abstract { shared: false, ty: encode_abstract(h) },
                HeapType::SharedAbstract(h) => {
                    wasm_encoder::HeapType::Abstract { shared: true, ty: encode_abstract(h) }
                }
            };
            wasm_encoder::ValType::Ref(wasm_encoder::RefType { nullable, heap_type })
        }
    }
}

fn build(builder: ModuleTypesBuilder) -> ModuleTypes {
    match builder.build() {
        Ok(module) => module,
        // The generators only produce valid modules; a failure here is a bug
        // in the generator, reported with the validator's message.
        Err(e) => panic!("generated an invalid module: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generators_are_deterministic() {
        assert_eq!(dart2wasm_like(7), dart2wasm_like(7));
        assert_ne!(singleton_groups(1, 100), singleton_groups(2, 100));
        assert_eq!(small_module(3, 10), small_module(3, 10));
    }

    #[test]
    fn dart2wasm_like_has_the_real_counts_and_depth() {
        let module = dart2wasm_like(1);
        assert_eq!(module.rec_group_count(), 1);
        let (s, f, a) = DART2WASM_COUNTS;
        assert_eq!(module.len(), s + f + a);
        let kinds = |k| module.types().iter().filter(|t| t.composite.kind() == k).count();
        assert_eq!(kinds(wasm_type_registry::CompositeKind::Struct), s);
        assert_eq!(kinds(wasm_type_registry::CompositeKind::Func), f);
        assert_eq!(kinds(wasm_type_registry::CompositeKind::Array), a);
        let depth = |mut i: usize| {
            let mut d = 0;
            while let Some(TypeRef::Module(p)) = module.types()[i].supertype {
                i = p.as_usize();
                d += 1;
            }
            d
        };
        let deepest = (0..module.len()).map(depth).max().unwrap();
        assert!((5..=9).contains(&deepest), "deepest chain {deepest}");
    }

    #[test]
    fn numbered_func_types_are_distinct() {
        let types: std::collections::HashSet<_> = (0..1000).map(numbered_func_type).collect();
        assert_eq!(types.len(), 1000);
        let types: std::collections::HashSet<_> = (0..1000).map(numbered_struct_type).collect();
        assert_eq!(types.len(), 1000);
    }
}
