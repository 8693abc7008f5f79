//! Structured operations on one registry: modules built from rec groups,
//! single types (`TypeRegistry::register_type`), roots and drops, with references
//! of every kind, including the wrong ones: module indices where shared ones
//! belong and the reverse, rec-group indices out of range, engine indices
//! that are dead, that another registry handed out, or made up. Types may
//! be shared, continuation types, or use exact and shared abstract
//! references, so that the sharedness and continuation rules refuse some;
//! and whole valid modules of the proposals' types (descriptor pairs
//! included) come from the crate's proposal generator
//! (`wasm_type_shapes::proposal_gen`).
//!
//! Every call the registry refuses must leave every answer unchanged:
//! `len()`, the rec group count, and for every index ever seen whether it
//! is registered, and for every type held its `borrow`, `trampoline_type`
//! and `is_subtype` against the others. Once every handle is dropped the
//! registry must be empty. At exit the target prints how many inputs
//! registered something, and how many of those carried each proposal's
//! types.
#![no_main]

use std::collections::BTreeSet;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use wasm_type_registry::*;
use wasm_type_shapes::census::{Census, ProposalUse};
use wasm_type_shapes::{proposal_gen, Choices};

static CENSUS: Census = Census::new("builder_ops");

/// At most this many held types take part in the quadratic snapshot.
const SNAPSHOT_TYPES: usize = 24;

#[derive(Arbitrary, Debug, Clone, Copy)]
enum Ref {
    Module(u8),
    RecGroup(u8),
    /// An engine index some handle holds.
    Live(u8),
    /// An engine index seen earlier and no longer registered.
    Dead(u8),
    /// An engine index another registry handed out (and this one has not).
    Foreign(u8),
    /// Any number at all.
    Raw(u32),
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum Val {
    I32,
    I64,
    F32,
    F64,
    V128,
    Abstract(u8, bool),
    SharedAbstract(u8, bool),
    Concrete(bool, Ref),
    Exact(bool, Ref),
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum Storage {
    I8,
    I16,
    Val(Val),
}

#[derive(Arbitrary, Debug)]
enum Kind {
    Func(Vec<Val>, Vec<Val>),
    Struct(Vec<(bool, Storage)>),
    Array(bool, Storage),
    Cont(Ref),
}

#[derive(Arbitrary, Debug)]
struct Ty {
    is_final: bool,
    shared: bool,
    supertype: Option<Ref>,
    kind: Kind,
}

#[derive(Arbitrary, Debug)]
enum Op {
    Module(Vec<Vec<Ty>>),
    /// A valid module of the proposals' types, from this choice stream.
    Proposals(Vec<u8>),
    New(Ty),
    Root(Ref),
    Drop(u8),
}

const ABSTRACT: [AbstractHeapType; 14] = {
    use AbstractHeapType::*;
    [Any, Eq, I31, Struct, Array, None, Func, NoFunc, Extern, NoExtern, Exn, NoExn, Cont, NoCont]
};

enum Handle {
    Module(TypeCollection),
    Type(RegisteredType),
}

impl Handle {
    fn indices(&self) -> Vec<EngineTypeIndex> {
        match self {
            Handle::Module(types) => types.engine_types().to_vec(),
            Handle::Type(ty) => vec![ty.index()],
        }
    }
}

struct World {
    registry: TypeRegistry,
    /// Indices another registry handed out.
    foreign: Vec<EngineTypeIndex>,
    held: Vec<Handle>,
    /// Every index a handle ever held.
    seen: BTreeSet<EngineTypeIndex>,
    /// What the types registered so far use, or `None` before the first.
    uses: Option<ProposalUse>,
}

/// Everything a refused call must leave as it was.
#[derive(Debug, PartialEq)]
struct Snapshot {
    len: usize,
    rec_groups: usize,
    registered: Vec<bool>,
    types: Vec<(Option<SubType>, EngineTypeIndex)>,
    subtypes: Vec<bool>,
}

impl World {
    fn held_indices(&self) -> Vec<EngineTypeIndex> {
        self.held.iter().flat_map(Handle::indices).collect()
    }

    fn snapshot(&self) -> Snapshot {
        let registry = &self.registry;
        let held: Vec<EngineTypeIndex> = self.held_indices().into_iter().take(SNAPSHOT_TYPES).collect();
        Snapshot {
            len: registry.len(),
            rec_groups: registry.stats().rec_groups,
            registered: self.seen.iter().map(|&s| registry.borrow(s).is_some()).collect(),
            types: held
                .iter()
                .map(|&s| (registry.borrow(s).map(|t| (*t).clone()), registry.trampoline_type(s)))
                .collect(),
            subtypes: held.iter().flat_map(|&a| held.iter().map(move |&b| registry.is_subtype(a, b))).collect(),
        }
    }

    fn shared(&self, r: Ref) -> TypeRef {
        let pick = |candidates: Vec<EngineTypeIndex>, i: u8| {
            (!candidates.is_empty()).then(|| candidates[usize::from(i) % candidates.len()])
        };
        let unregistered = |indices: &[EngineTypeIndex]| {
            indices.iter().copied().filter(|&s| self.registry.borrow(s).is_none()).collect::<Vec<_>>()
        };
        let index = match r {
            Ref::Module(i) => return TypeRef::Module(ModuleTypeIndex::from_u32(u32::from(i))),
            Ref::RecGroup(i) => return TypeRef::RecGroup(u32::from(i)),
            Ref::Live(i) => pick(self.held_indices(), i),
            Ref::Dead(i) => pick(unregistered(&self.seen.iter().copied().collect::<Vec<_>>()), i),
            Ref::Foreign(i) => pick(unregistered(&self.foreign), i),
            Ref::Raw(n) => Some(EngineTypeIndex::from_u32(n)),
        };
        TypeRef::Engine(index.unwrap_or(EngineTypeIndex::from_u32(u32::MAX)))
    }

    fn val(&self, v: Val) -> ValType {
        match v {
            Val::I32 => ValType::I32,
            Val::I64 => ValType::I64,
            Val::F32 => ValType::F32,
            Val::F64 => ValType::F64,
            Val::V128 => ValType::V128,
            Val::Abstract(h, nullable) => {
                ValType::Ref(RefType { nullable, heap_type: HeapType::Abstract(ABSTRACT[usize::from(h) % 14]) })
            }
            Val::SharedAbstract(h, nullable) => {
                ValType::Ref(RefType { nullable, heap_type: HeapType::SharedAbstract(ABSTRACT[usize::from(h) % 14]) })
            }
            Val::Concrete(nullable, r) => ValType::Ref(RefType::concrete(nullable, self.shared(r))),
            Val::Exact(nullable, r) => ValType::Ref(RefType { nullable, heap_type: HeapType::Exact(self.shared(r)) }),
        }
    }

    fn field(&self, mutable: bool, s: Storage) -> FieldType {
        let storage = match s {
            Storage::I8 => StorageType::I8,
            Storage::I16 => StorageType::I16,
            Storage::Val(v) => StorageType::Val(self.val(v)),
        };
        FieldType { mutable, storage }
    }

    fn sub_type(&self, ty: &Ty) -> SubType {
        let supertype = ty.supertype.map(|r| self.shared(r));
        let sub_type = match &ty.kind {
            Kind::Func(params, results) => {
                let vals = |vs: &[Val]| vs.iter().map(|&v| self.val(v)).collect::<Vec<_>>();
                let mut f = SubType::func(vals(params), vals(results));
                f.is_final = ty.is_final;
                f.supertype = supertype;
                f
            }
            Kind::Struct(fields) => SubType::struct_(
                ty.is_final,
                supertype,
                fields.iter().map(|&(m, s)| self.field(m, s)).collect::<Vec<_>>(),
            ),
            Kind::Array(m, s) => SubType::array(ty.is_final, supertype, self.field(*m, *s)),
            Kind::Cont(r) => SubType {
                is_final: ty.is_final,
                supertype,
                shared: false,
                composite: CompositeType::Cont(ContType { func: self.shared(*r) }),
            },
        };
        SubType { shared: ty.shared, ..sub_type }
    }

    fn keep(&mut self, handle: Handle, types: &[SubType]) {
        let uses = ProposalUse::of_types(types);
        self.uses = Some(self.uses.map_or(uses, |before| before.or(uses)));
        self.seen.extend(handle.indices());
        self.held.push(handle);
    }

    fn apply(&mut self, op: &Op) {
        // Only these two can be refused.
        let before = matches!(op, Op::Module(_) | Op::New(_)).then(|| self.snapshot());
        let registered = |types: &TypeCollection| -> Vec<SubType> {
            types.engine_types().iter().filter_map(|&s| self.registry.borrow(s).map(|t| (*t).clone())).collect()
        };
        let refused = match op {
            Op::Module(groups) => {
                let mut builder = ModuleTypes::builder();
                for group in groups {
                    let types: Vec<SubType> = group.iter().map(|t| self.sub_type(t)).collect();
                    builder.rec_group(types);
                }
                match builder.build().map_err(RegistryError::from).and_then(|m| self.registry.register_module(&m)) {
                    Ok(types) => {
                        let sub_types = registered(&types);
                        self.keep(Handle::Module(types), &sub_types);
                        None
                    }
                    Err(e) => Some(e),
                }
            }
            Op::Proposals(choices) => {
                let choices: Vec<u32> = choices.iter().map(|&b| u32::from(b)).collect();
                let module = proposal_gen::module(&mut Choices::new(&choices));
                let types = self
                    .registry
                    .register_module(&module)
                    .unwrap_or_else(|e| panic!("a valid module of the proposals' types did not register: {e}"));
                self.keep(Handle::Module(types), module.types());
                return;
            }
            Op::New(ty) => {
                let sub_type = self.sub_type(ty);
                match self.registry.register_type(sub_type.clone()) {
                    Ok(ty) => {
                        self.keep(Handle::Type(ty), &[sub_type]);
                        None
                    }
                    Err(e) => Some(e),
                }
            }
            Op::Root(r) => {
                let TypeRef::Engine(s) = self.shared(*r) else { return };
                let live = self.registry.borrow(s).is_some();
                match self.registry.root(s) {
                    Some(ty) => {
                        assert!(live, "root({s:?}) of an unregistered index succeeded");
                        self.seen.insert(ty.index());
                        self.held.push(Handle::Type(ty));
                    }
                    None => assert!(!live, "root({s:?}) of a registered index failed"),
                }
                return;
            }
            Op::Drop(i) => {
                if !self.held.is_empty() {
                    let n = usize::from(*i) % self.held.len();
                    drop(self.held.swap_remove(n));
                }
                return;
            }
        };
        if let (Some(error), Some(before)) = (refused, before) {
            assert!(!error.to_string().is_empty());
            let after = self.snapshot();
            assert_eq!(before, after, "the refused {op:?} ({error}) changed the registry");
        }
    }
}

fuzz_target!(init: CENSUS.print_at_exit(), |ops: Vec<Op>| {
    let foreign_registry = TypeRegistry::new();
    let mut foreign_module = ModuleTypes::builder();
    for n in 0..64u32 {
        foreign_module.sub_type(SubType::func(vec![ValType::I32; n as usize], []));
    }
    let foreign_types = foreign_registry.register_module(&foreign_module.build().unwrap()).unwrap();
    let mut world = World {
        registry: TypeRegistry::new(),
        foreign: foreign_types.engine_types().to_vec(),
        held: Vec::new(),
        seen: BTreeSet::new(),
        uses: None,
    };
    for op in ops.iter().take(64) {
        world.apply(op);
    }
    CENSUS.record(world.uses);
    world.held.clear();
    assert_eq!(world.registry.len(), 0, "{:?}", world.registry.stats());
    assert_eq!(world.registry.stats().rec_groups, 0);
    for &s in &world.seen {
        assert!(world.registry.borrow(s).is_none(), "{s:?} still registered after the last drop");
    }
});
