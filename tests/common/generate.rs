//! Random *valid* [`ModuleTypes`], decoded from a stream of choices.
//!
//! proptest generates a `Vec<u32>`; [`Choices`] reads it one number at a
//! time. An exhausted stream reads as zeros, and a zero always picks the
//! simplest option (keep a field type as it is, no supertype, an empty
//! struct), so proptest's shrinking of the vector (shorter, smaller numbers)
//! shrinks the modules too.
//!
//! Validity holds by construction, not by filtering:
//! - references go only to earlier rec groups or into the own group (forward
//!   references inside a group included);
//! - a declared supertype is an earlier, non-final type of the same kind
//!   whose chain is shorter than 63, and the subtype is *derived* from it so
//!   that it really matches: function parameters may widen and results
//!   narrow, immutable fields may narrow, mutable and packed fields stay,
//!   structs may append fields;
//! - deep chains (57 to 64 types, so depths up to the limit of 63) appear in
//!   about one pool in three;
//! - modules copy prefixes of earlier modules and of themselves, which makes
//!   structurally equal rec groups at different module positions.

use wasm_type_registry::*;

use super::model::remap;

/// A stream of choices.
pub struct Choices<'a> {
    data: &'a [u32],
    pos: usize,
}

impl<'a> Choices<'a> {
    /// Reads choices from `data`.
    pub fn new(data: &'a [u32]) -> Self {
        Choices { data, pos: 0 }
    }

    /// A number below `n` (0 for `n == 0`, and once the stream is exhausted).
    pub fn below(&mut self, n: usize) -> usize {
        let raw = self.data.get(self.pos).copied().unwrap_or(0);
        self.pos += 1;
        if n == 0 {
            0
        } else {
            raw as usize % n
        }
    }

    /// True with probability `1/n` (never on a zero choice).
    pub fn one_in(&mut self, n: usize) -> bool {
        n > 0 && self.below(n) == n - 1
    }

    /// One of `items`, or `None` if there are none.
    pub fn pick<T: Copy>(&mut self, items: &[T]) -> Option<T> {
        if items.is_empty() {
            None
        } else {
            Some(items[self.below(items.len())])
        }
    }
}

/// The abstract heap types, in the order choices index them.
pub const ABSTRACT: [AbstractHeapType; 12] = {
    use AbstractHeapType::*;
    [Any, Eq, I31, Struct, Array, None, Func, NoFunc, Extern, NoExtern, Exn, NoExn]
};

/// The abstract heap types strictly below `h`.
fn abstract_below(h: AbstractHeapType) -> &'static [AbstractHeapType] {
    use AbstractHeapType::*;
    match h {
        Any => &[Eq, I31, Struct, Array, None],
        Eq => &[I31, Struct, Array, None],
        I31 | Struct | Array => &[None],
        Func => &[NoFunc],
        Extern => &[NoExtern],
        Exn => &[NoExn],
        Cont => &[NoCont],
        None | NoFunc | NoExtern | NoExn | NoCont => &[],
    }
}

/// The abstract heap types strictly above `h`.
fn abstract_above(h: AbstractHeapType) -> &'static [AbstractHeapType] {
    use AbstractHeapType::*;
    match h {
        None => &[I31, Struct, Array, Eq, Any],
        I31 | Struct | Array => &[Eq, Any],
        Eq => &[Any],
        NoFunc => &[Func],
        NoExtern => &[Extern],
        NoExn => &[Exn],
        NoCont => &[Cont],
        Any | Func | Extern | Exn | Cont => &[],
    }
}

/// The abstract heap types a concrete type of `kind` is below.
fn abstract_above_kind(kind: CompositeKind) -> &'static [AbstractHeapType] {
    use AbstractHeapType::*;
    match kind {
        CompositeKind::Struct => &[Struct, Eq, Any],
        CompositeKind::Array => &[Array, Eq, Any],
        CompositeKind::Func => &[Func],
        CompositeKind::Cont => &[Cont],
    }
}

/// The bottom abstract heap type below every concrete type of `kind`.
fn bottom_of_kind(kind: CompositeKind) -> AbstractHeapType {
    match kind {
        CompositeKind::Func => AbstractHeapType::NoFunc,
        CompositeKind::Struct | CompositeKind::Array => AbstractHeapType::None,
        CompositeKind::Cont => AbstractHeapType::NoCont,
    }
}

/// What the generator knows about a type it made.
#[derive(Clone, Debug)]
struct Info {
    kind: CompositeKind,
    is_final: bool,
    /// Declared supertypes, outermost first; the type's depth is the length.
    chain: Vec<u32>,
}

/// One generated module: its types, rec groups (start, length) and the
/// validated [`ModuleTypes`].
#[derive(Clone, Debug)]
pub struct Generated {
    types: Vec<SubType>,
    groups: Vec<(usize, usize)>,
    info: Vec<Info>,
}

/// Modules are kept below this many types before they copy themselves.
const COPY_LIMIT: usize = 160;

impl Generated {
    fn empty() -> Self {
        Generated { types: Vec::new(), groups: Vec::new(), info: Vec::new() }
    }

    /// The rec groups, as slices of types.
    pub fn rec_groups(&self) -> impl Iterator<Item = &[SubType]> {
        self.groups.iter().map(|&(start, len)| &self.types[start..start + len])
    }

    /// Builds and validates the module.
    ///
    /// # Panics
    /// If the generator made an invalid module (a bug in this file, or in
    /// the crate's validation).
    pub fn build(&self) -> ModuleTypes {
        let mut builder = ModuleTypes::builder();
        for group in self.rec_groups() {
            builder.rec_group(group.iter().cloned());
        }
        builder.build().unwrap_or_else(|e| panic!("the generator made an invalid module: {e}\n{self:#?}"))
    }

    fn push(&mut self, ty: SubType) {
        let chain = match ty.supertype {
            Some(TypeRef::Module(sup)) => {
                let mut chain = self.info[sup.as_usize()].chain.clone();
                chain.push(sup.as_u32());
                chain
            }
            _ => Vec::new(),
        };
        self.info.push(Info { kind: ty.composite.kind(), is_final: ty.is_final, chain });
        self.types.push(ty);
    }

    /// Appends a fresh rec group.
    fn fresh_group(&mut self, c: &mut Choices) {
        let size = [1, 2, 0, 3, 1, 4, 6][c.below(7)];
        let start = self.types.len();
        let end = start + size;
        for i in start..end {
            let ty = self.fresh_type(c, i, end);
            self.push(ty);
        }
        self.groups.push((start, size));
    }

    /// Type `i` of a group that ends before `end`.
    fn fresh_type(&mut self, c: &mut Choices, i: usize, end: usize) -> SubType {
        let is_final = c.one_in(3);
        let supertypes: Vec<usize> =
            (0..i).filter(|&j| !self.info[j].is_final && self.info[j].chain.len() < MAX_SUBTYPING_DEPTH).collect();
        if c.one_in(2) {
            if let Some(sup) = c.pick(&supertypes) {
                return self.derive(c, i, end, sup, is_final, 3);
            }
        }
        match c.below(3) {
            0 => {
                let fields: Vec<FieldType> = (0..c.below(5)).map(|_| self.random_field(c, end)).collect();
                SubType::struct_(is_final, None, fields)
            }
            1 => {
                let params: Vec<ValType> = (0..c.below(4)).map(|_| self.random_val(c, end)).collect();
                let results: Vec<ValType> = (0..c.below(3)).map(|_| self.random_val(c, end)).collect();
                SubType { is_final, ..SubType::func(params, results) }
            }
            _ => SubType::array(is_final, None, self.random_field(c, end)),
        }
    }

    fn random_val(&self, c: &mut Choices, end: usize) -> ValType {
        match c.below(8) {
            0 => ValType::I32,
            1 => ValType::I64,
            2 => ValType::F32,
            3 => ValType::F64,
            4 => ValType::V128,
            5 | 6 => {
                let target = ModuleTypeIndex::from_u32(c.below(end) as u32);
                ValType::Ref(RefType::concrete(!c.one_in(2), TypeRef::Module(target)))
            }
            _ => {
                let heap = ABSTRACT[c.below(ABSTRACT.len())];
                ValType::Ref(RefType { nullable: !c.one_in(2), heap_type: HeapType::Abstract(heap) })
            }
        }
    }

    fn random_field(&self, c: &mut Choices, end: usize) -> FieldType {
        let storage = match c.below(5) {
            3 => StorageType::I8,
            4 => StorageType::I16,
            _ => StorageType::Val(self.random_val(c, end)),
        };
        FieldType { mutable: c.one_in(2), storage }
    }

    /// A type `i` that declares `sup` as its supertype and matches it:
    /// widened params, narrowed results and immutable fields, up to
    /// `max_extra - 1` appended struct fields.
    fn derive(&self, c: &mut Choices, i: usize, end: usize, sup: usize, is_final: bool, max_extra: usize) -> SubType {
        let composite = match &self.types[sup].composite {
            CompositeType::Func(f) => CompositeType::Func(FuncType {
                params: f.params.iter().map(|&v| self.vary(c, v, i, false)).collect(),
                results: f.results.iter().map(|&v| self.vary(c, v, i, true)).collect(),
            }),
            CompositeType::Struct(s) => {
                let mut fields: Vec<FieldType> = s.fields.iter().map(|&f| self.narrow_field(c, f, i)).collect();
                fields.extend((0..c.below(max_extra)).map(|_| self.random_field(c, end)));
                CompositeType::Struct(StructType::new(fields))
            }
            CompositeType::Array(a) => CompositeType::Array(ArrayType { element: self.narrow_field(c, a.element, i) }),
            // This generator makes no continuation types (and so no subtypes of them).
            CompositeType::Cont(k) => CompositeType::Cont(*k),
        };
        let sup = ModuleTypeIndex::from_u32(sup as u32);
        SubType { shared: false, is_final, supertype: Some(TypeRef::Module(sup)), composite }
    }

    fn narrow_field(&self, c: &mut Choices, field: FieldType, i: usize) -> FieldType {
        match field.storage {
            StorageType::Val(v) if !field.mutable => {
                FieldType { mutable: false, storage: StorageType::Val(self.vary(c, v, i, true)) }
            }
            _ => field,
        }
    }

    /// `v`, or (for a reference type) a subtype of it if `narrow`, a
    /// supertype otherwise. Only types before `i` are used, whose kinds and
    /// chains are known.
    fn vary(&self, c: &mut Choices, v: ValType, i: usize, narrow: bool) -> ValType {
        let ValType::Ref(r) = v else { return v };
        if c.below(3) == 0 {
            return v;
        }
        let nullable = if narrow { r.nullable && !c.one_in(2) } else { r.nullable || c.one_in(2) };
        let known = |t: TypeRef| match t {
            TypeRef::Module(t) if t.as_usize() < i => Some(t.as_usize()),
            _ => None,
        };
        let concrete = |j: usize| HeapType::Concrete(TypeRef::Module(ModuleTypeIndex::from_u32(j as u32)));
        let abstract_ = |hs: &[AbstractHeapType]| hs.iter().map(|&h| HeapType::Abstract(h)).collect::<Vec<_>>();
        let options: Vec<HeapType> = match (r.heap_type, narrow) {
            (HeapType::Abstract(h), true) => {
                let mut options = abstract_(abstract_below(h));
                options.extend((0..i).filter(|&j| abstract_above_kind(self.info[j].kind).contains(&h)).map(concrete));
                options
            }
            (HeapType::Abstract(h), false) => abstract_(abstract_above(h)),
            (HeapType::Concrete(t), true) => match known(t) {
                Some(t) => {
                    let mut options: Vec<HeapType> =
                        (0..i).filter(|&j| self.info[j].chain.contains(&(t as u32))).map(concrete).collect();
                    options.push(HeapType::Abstract(bottom_of_kind(self.info[t].kind)));
                    options
                }
                None => Vec::new(),
            },
            (HeapType::Concrete(t), false) => match known(t) {
                Some(t) => {
                    let mut options: Vec<HeapType> = self.info[t].chain.iter().map(|&j| concrete(j as usize)).collect();
                    options.extend(abstract_(abstract_above_kind(self.info[t].kind)));
                    options
                }
                None => Vec::new(),
            },
            // This generator varies no exact or shared references.
            (HeapType::Exact(_) | HeapType::SharedAbstract(_), _) => Vec::new(),
        };
        let heap_type = c.pick(&options).unwrap_or(r.heap_type);
        ValType::Ref(RefType { nullable, heap_type })
    }

    /// Appends a chain of 57 to 64 struct types, each the supertype of the
    /// next, in rec groups of one to three types.
    fn deep_chain(&mut self, c: &mut Choices) {
        let mut remaining = MAX_SUBTYPING_DEPTH + 1 - c.below(8);
        let mut previous: Option<usize> = None;
        while remaining > 0 {
            let size = (1 + c.below(3)).min(remaining);
            let start = self.types.len();
            let end = start + size;
            for i in start..end {
                let ty = match previous {
                    None => SubType::struct_(false, None, [self.random_field(c, end)]),
                    Some(sup) => {
                        let max_extra = usize::from(c.one_in(4)) + 1;
                        self.derive(c, i, end, sup, false, max_extra)
                    }
                };
                self.push(ty);
                previous = Some(i);
            }
            self.groups.push((start, size));
            remaining -= size;
        }
    }

    /// Appends copies of `source`'s first `groups` rec groups.
    fn copy_prefix(&mut self, source: &Generated, groups: usize) {
        let offset = self.types.len() as u32;
        for &(start, len) in &source.groups[..groups] {
            for ty in &source.types[start..start + len] {
                let ty = remap(ty, &mut |r| match r {
                    TypeRef::Module(j) => TypeRef::Module(ModuleTypeIndex::from_u32(j.as_u32() + offset)),
                    other => other,
                });
                self.push(ty);
            }
            self.groups.push((start + offset as usize, len));
        }
    }
}

/// One module; `earlier` are the pool's modules so far, whose prefixes it
/// may copy.
pub fn module(c: &mut Choices, earlier: &[Generated]) -> Generated {
    let mut m = Generated::empty();
    for _ in 0..1 + c.below(6) {
        match c.below(10) {
            6 | 7 if !earlier.is_empty() && m.types.len() < COPY_LIMIT => {
                let source = &earlier[c.below(earlier.len())];
                let groups = c.below(source.groups.len()) + 1;
                m.copy_prefix(&source.clone(), groups.min(source.groups.len()));
            }
            8 if !m.groups.is_empty() && m.types.len() < COPY_LIMIT => {
                let groups = c.below(m.groups.len()) + 1;
                m.copy_prefix(&m.clone(), groups);
            }
            9 if c.one_in(3) => m.deep_chain(c),
            _ => m.fresh_group(c),
        }
    }
    m
}

/// A pool of one to five modules.
pub fn pool(c: &mut Choices) -> Vec<Generated> {
    let mut modules = Vec::new();
    for _ in 0..1 + c.below(5) {
        let m = module(c, &modules);
        modules.push(m);
    }
    modules
}

/// How [`singleton_variant`] changes a type; each keeps it valid.
pub const VARIANTS: u8 = 4;

/// A variant of a type that is alone in its rec group, for registering as a
/// singleton: 0 the type itself, 1 finality flipped, 2 without its
/// supertype, 3 (structs) an `i32` field appended. A declared supertype stays
/// matched in every case.
pub fn singleton_variant(ty: &SubType, variant: u8) -> SubType {
    let mut ty = ty.clone();
    match variant % VARIANTS {
        1 => ty.is_final = !ty.is_final,
        2 => ty.supertype = None,
        3 => {
            if let CompositeType::Struct(s) = &mut ty.composite {
                let mut fields = s.fields.to_vec();
                fields.push(FieldType { mutable: false, storage: StorageType::Val(ValType::I32) });
                s.fields = fields.into();
            }
        }
        _ => {}
    }
    ty
}
