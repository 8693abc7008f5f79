//! Random valid modules that use the type features of the custom
//! descriptors, stack switching and shared-everything threads proposals:
//! exact references, descriptor pairs (and subtype pairs of them),
//! continuation types (and subtypes of them over function subtypes),
//! shared abstract heap types, and shared types of every kind (descriptor
//! pairs and subtypes included), mixed with plain function, struct and
//! array types.
//!
//! The workspace-only `wasm-type-shapes` crate compiles this file too (with
//! `generate.rs` and `model.rs`, which it uses), as
//! `wasm_type_shapes::proposal_gen`, for the fuzz targets: the source lives
//! here because the published package's tests use it, and `cargo package`
//! leaves out the files of a nested package.
//!
//! A new generator beside `generate.rs` rather than options of it: its
//! validity rules (descriptor pairs come two by two, continuations need a
//! function type, shared types mention only shared types) are its own. Some rec groups are copies of earlier ones,
//! verbatim or with one exact result made inexact, so that hash consing
//! sees equal and nearly equal groups.

use wasm_type_registry::*;

use super::generate::Choices;
use super::model::remap;

/// What the generator knows about a type it made.
#[derive(Clone, Copy, Debug)]
struct Info {
    kind: CompositeKind,
    shared: bool,
    is_final: bool,
    supertype: Option<usize>,
    /// The other half of a descriptor pair: the descriptor of a described
    /// type, the described type of a descriptor.
    partner: Option<usize>,
}

/// A module under construction.
#[derive(Default)]
struct Module {
    types: Vec<SubType>,
    info: Vec<Info>,
    groups: Vec<(usize, usize)>,
}

fn index(i: usize) -> TypeRef {
    TypeRef::Module(ModuleTypeIndex::from_u32(i as u32))
}

const ABSTRACT: [AbstractHeapType; 14] = {
    use AbstractHeapType::*;
    [Any, Eq, I31, Struct, Array, None, Func, NoFunc, Extern, NoExtern, Exn, NoExn, Cont, NoCont]
};

impl Module {
    fn push(&mut self, ty: SubType, partner: Option<usize>) {
        let supertype = match ty.supertype {
            Some(TypeRef::Module(s)) => Some(s.as_usize()),
            _ => None,
        };
        self.info.push(Info {
            kind: ty.composite.kind(),
            shared: ty.shared,
            is_final: ty.is_final,
            supertype,
            partner,
        });
        self.types.push(ty);
    }

    /// Whether `sub` is `sup` or declares it, transitively.
    fn is_subtype(&self, mut sub: usize, sup: usize) -> bool {
        loop {
            if sub == sup {
                return true;
            }
            match self.info[sub].supertype {
                Some(next) => sub = next,
                None => return false,
            }
        }
    }

    /// A value type that may reference any type before `end`; for a
    /// shared type (`shared`), only a shared one: numeric, shared abstract,
    /// or a shared type defined already (sharedness of the group's later
    /// types is not known yet).
    fn val(&self, c: &mut Choices, end: usize, shared: bool) -> ValType {
        let nullable = !c.one_in(3);
        let concrete: Vec<usize> =
            if shared { (0..self.info.len()).filter(|&j| self.info[j].shared).collect() } else { (0..end).collect() };
        let heap_type = match c.below(9) {
            0 => return ValType::I32,
            1 => return ValType::F64,
            2 => return ValType::V128,
            3 | 4 if !shared => HeapType::Abstract(ABSTRACT[c.below(ABSTRACT.len())]),
            3..=5 => HeapType::SharedAbstract(ABSTRACT[c.below(ABSTRACT.len())]),
            _ if concrete.is_empty() => HeapType::SharedAbstract(AbstractHeapType::Any),
            6 | 7 => HeapType::Concrete(index(concrete[c.below(concrete.len())])),
            _ => HeapType::Exact(index(concrete[c.below(concrete.len())])),
        };
        ValType::Ref(RefType { nullable, heap_type })
    }

    fn field(&self, c: &mut Choices, end: usize, shared: bool) -> FieldType {
        let storage = if c.one_in(5) { StorageType::I8 } else { StorageType::Val(self.val(c, end, shared)) };
        FieldType { mutable: c.one_in(2), storage }
    }

    fn vals(&self, c: &mut Choices, end: usize, most: usize, shared: bool) -> Vec<ValType> {
        (0..c.below(most + 1)).map(|_| self.val(c, end, shared)).collect()
    }

    /// Types that may be declared as a supertype: not final, of `kind` and
    /// sharedness `shared`, not part of a descriptor pair (pairs subtype as
    /// pairs).
    fn open(&self, kind: CompositeKind, shared: bool) -> Vec<usize> {
        (0..self.info.len())
            .filter(|&j| {
                let info = self.info[j];
                !info.is_final && info.kind == kind && info.shared == shared && info.partner.is_none()
            })
            .collect()
    }

    /// A fresh rec group of a few types; descriptor pairs take two places.
    fn fresh_group(&mut self, c: &mut Choices) {
        let start = self.types.len();
        let planned = 1 + c.below(4);
        // Value types reference types below `end`, which will all exist (a
        // pair started in the last place adds one more).
        let end = start + planned;
        while self.types.len() < start + planned {
            let i = self.types.len();
            let is_final = c.one_in(3);
            // Shared types (shared-everything threads) of every kind.
            let shared = c.one_in(4);
            match c.below(7) {
                0 => {
                    let ty = SubType::func(self.vals(c, end, 3, shared), self.vals(c, end, 2, shared));
                    self.push(SubType { is_final, shared, ..ty }, None);
                }
                1 => {
                    let fields: Vec<FieldType> = (0..c.below(4)).map(|_| self.field(c, end, shared)).collect();
                    match c.pick(&self.open(CompositeKind::Struct, shared)) {
                        // A struct subtype: the supertype's fields, then more.
                        Some(sup) if c.one_in(2) => {
                            let CompositeType::Struct(s) = &self.types[sup].composite else { unreachable!() };
                            let all: Vec<FieldType> = s.fields.iter().copied().chain(fields).collect();
                            self.push(SubType { shared, ..SubType::struct_(is_final, Some(index(sup)), all) }, None);
                        }
                        _ => self.push(SubType { shared, ..SubType::struct_(is_final, None, fields) }, None),
                    }
                }
                2 => {
                    let ty = SubType::array(is_final, None, self.field(c, end, shared));
                    self.push(SubType { shared, ..ty }, None);
                }
                3 => {
                    // A function subtype with the same signature (and
                    // sharedness).
                    let Some(sup) = c.pick(&self.open(CompositeKind::Func, shared)) else { continue };
                    let ty = SubType { is_final, supertype: Some(index(sup)), ..self.types[sup].clone() };
                    self.push(ty, None);
                }
                4 => {
                    let funcs: Vec<usize> = (0..i).filter(|&j| self.info[j].kind == CompositeKind::Func).collect();
                    let Some(func) = c.pick(&funcs) else { continue };
                    // Over a subtype of an open continuation's function type,
                    // a continuation may declare that continuation its supertype.
                    let sups: Vec<usize> = self
                        .open(CompositeKind::Cont, shared)
                        .into_iter()
                        .filter(|&k| match self.types[k].composite {
                            CompositeType::Cont(ContType { func: TypeRef::Module(f) }) => {
                                self.is_subtype(func, f.as_usize())
                            }
                            _ => false,
                        })
                        .collect();
                    let supertype = c.pick(&sups).filter(|_| c.one_in(2)).map(index);
                    let composite = CompositeType::Cont(ContType { func: index(func) });
                    self.push(SubType { shared, is_final, supertype, composite }, None);
                }
                _ => self.descriptor_pair(c, i, end, is_final, shared),
            }
        }
        self.groups.push((start, self.types.len() - start));
    }

    /// Types `i` and `i + 1`: a struct and its descriptor, both final or
    /// both open, both shared or both not; as a subtype pair of an earlier
    /// open pair of the same sharedness when there is one and the choice
    /// says so.
    fn descriptor_pair(&mut self, c: &mut Choices, i: usize, end: usize, is_final: bool, shared: bool) {
        let pairs: Vec<usize> = (0..i)
            .filter(|&j| {
                let info = self.info[j];
                !info.is_final && info.shared == shared && info.partner.is_some_and(|d| d > j)
            })
            .collect();
        let with = |fields: Box<[FieldType]>, descriptor: Option<usize>, describes: Option<usize>| {
            CompositeType::Struct(StructType {
                fields,
                descriptor: descriptor.map(index),
                describes: describes.map(index),
            })
        };
        let (sup, sup_desc) = match c.pick(&pairs).filter(|_| c.one_in(2)) {
            Some(t) => (Some(t), self.info[t].partner),
            None => (None, None),
        };
        let fields_of = |this: &Module, c: &mut Choices, sup: Option<usize>| -> Box<[FieldType]> {
            let inherited: Vec<FieldType> = match sup.map(|s| &this.types[s].composite) {
                Some(CompositeType::Struct(s)) => s.fields.to_vec(),
                _ => Vec::new(),
            };
            inherited.into_iter().chain((0..c.below(3)).map(|_| this.field(c, end, shared))).collect()
        };
        let described_fields = fields_of(self, c, sup);
        let descriptor_fields = fields_of(self, c, sup_desc);
        let described = SubType {
            shared,
            is_final,
            supertype: sup.map(index),
            composite: with(described_fields, Some(i + 1), None),
        };
        let descriptor = SubType {
            shared,
            is_final,
            supertype: sup_desc.map(index),
            composite: with(descriptor_fields, None, Some(i)),
        };
        self.push(described, Some(i + 1));
        self.push(descriptor, Some(i));
    }

    /// A copy of an earlier group, references into it moved along; with
    /// one exact result made inexact when `loosen` and there is one.
    fn copy_group(&mut self, c: &mut Choices, loosen: bool) {
        let Some((start, len)) = c.pick(&self.groups) else { return };
        let to = self.types.len();
        let moved = |r: TypeRef| match r {
            TypeRef::Module(j) if (start..start + len).contains(&j.as_usize()) => index(j.as_usize() - start + to),
            other => other,
        };
        let mut copies: Vec<SubType> =
            self.types[start..start + len].iter().map(|ty| remap(ty, &mut { moved })).collect();
        if loosen {
            // A result of a type without a supertype: its subtypes' results,
            // exact or not, still match the looser one.
            'outer: for ty in copies.iter_mut().filter(|ty| ty.supertype.is_none()) {
                if let CompositeType::Func(f) = &mut ty.composite {
                    for v in f.results.iter_mut() {
                        if let ValType::Ref(RefType { heap_type: h @ HeapType::Exact(_), .. }) = v {
                            *h = HeapType::Concrete(h.type_ref().unwrap());
                            break 'outer;
                        }
                    }
                }
            }
        }
        for (k, ty) in copies.into_iter().enumerate() {
            let partner = self.info[start + k].partner.map(|p| p - start + to);
            self.push(ty, partner);
        }
        self.groups.push((to, len));
    }
}

/// One module of up to about two dozen types.
///
/// # Panics
/// If the generator made a module the builder refuses (a bug here, or in
/// the crate's validation).
pub fn module(c: &mut Choices) -> ModuleTypes {
    let mut m = Module::default();
    for _ in 0..1 + c.below(8) {
        match c.below(6) {
            0 => m.copy_group(c, false),
            1 => m.copy_group(c, true),
            _ => m.fresh_group(c),
        }
    }
    let mut builder = ModuleTypes::builder();
    for &(start, len) in &m.groups {
        builder.rec_group(m.types[start..start + len].iter().cloned());
    }
    builder.build().unwrap_or_else(|e| panic!("the generator made an invalid module: {e}\n{:#?}", m.types))
}
