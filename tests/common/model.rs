//! The reference model: a sequential, deliberately naive statement of what
//! the registry must answer, written without any of the crate's logic.
//!
//! - **Equality.** Every rec group gets a *model key*: its types with
//!   references into the group as `RecGroup(position)` and references out of
//!   it as the *model id* of the referenced type. Keys go into one `HashMap`;
//!   equal keys are the same group, and a group's types get consecutive model
//!   ids. So two registered types must share an engine index exactly when
//!   they have the same model id.
//! - **Subtyping.** `is_subtype(a, b)` walks `a`'s declared supertypes one by
//!   one until it meets `b` or runs out.
//! - **Trampolines.** A function type is its own trampoline type when it is
//!   final, has no supertype and replacing every reference type by a nullable
//!   reference to the top of its hierarchy changes nothing; otherwise that
//!   replacement, final and supertype-less, is interned as a group of its own.
//! - **Liveness.** A group is live exactly when a held handle reaches it
//!   through "references a type of" and "has a trampoline type in" edges;
//!   the registry's `len()` must be the number of types in live groups.
//!
//! The model reuses the crate's plain data types (`SubType`, `ValType`, ...)
//! as containers, with `TypeRef::Engine(n)` standing for *model* type `n`.
//! Traversal, keys, subtyping, trampolines and liveness are all written
//! here, so that a bug in the crate's canonicalization or matching cannot
//! hide in the model.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};

use wasm_type_registry::*;

/// How many `is_subtype` answers [`Model::check_subtype`] compared, and how
/// many of them were `true`.
pub static SUBTYPE_ANSWERS: [AtomicU64; 2] = [const { AtomicU64::new(0) }; 2];

/// A model type id.
pub type TypeId = u32;
/// A model rec group id.
pub type GroupId = u32;

/// A copy of `ty` with every type reference replaced by `f`'s result. `f`
/// sees the supertype first, then the composite type's references in order.
pub fn remap(ty: &SubType, f: &mut impl FnMut(TypeRef) -> TypeRef) -> SubType {
    let supertype = ty.supertype.map(&mut *f);
    let composite = match &ty.composite {
        CompositeType::Func(func) => CompositeType::Func(FuncType {
            params: func.params.iter().map(|v| remap_val(v, f)).collect(),
            results: func.results.iter().map(|v| remap_val(v, f)).collect(),
        }),
        CompositeType::Struct(s) => {
            let describes = s.describes.map(&mut *f);
            let descriptor = s.descriptor.map(&mut *f);
            let fields = s.fields.iter().map(|x| remap_field(x, f)).collect();
            CompositeType::Struct(StructType { fields, descriptor, describes })
        }
        CompositeType::Array(a) => CompositeType::Array(ArrayType { element: remap_field(&a.element, f) }),
        CompositeType::Cont(c) => CompositeType::Cont(ContType { func: f(c.func) }),
    };
    SubType { shared: ty.shared, is_final: ty.is_final, supertype, composite }
}

fn remap_val(v: &ValType, f: &mut impl FnMut(TypeRef) -> TypeRef) -> ValType {
    match *v {
        ValType::Ref(RefType { nullable, heap_type: HeapType::Concrete(r) }) => {
            ValType::Ref(RefType { nullable, heap_type: HeapType::Concrete(f(r)) })
        }
        ValType::Ref(RefType { nullable, heap_type: HeapType::Exact(r) }) => {
            ValType::Ref(RefType { nullable, heap_type: HeapType::Exact(f(r)) })
        }
        other => other,
    }
}

fn remap_field(x: &FieldType, f: &mut impl FnMut(TypeRef) -> TypeRef) -> FieldType {
    let storage = match &x.storage {
        StorageType::Val(v) => StorageType::Val(remap_val(v, f)),
        packed => *packed,
    };
    FieldType { mutable: x.mutable, storage }
}

/// Every type reference in `ty`, in [`remap`]'s order.
pub fn refs(ty: &SubType) -> Vec<TypeRef> {
    let mut out = Vec::new();
    remap(ty, &mut |r| {
        out.push(r);
        r
    });
    out
}

/// `ty` with every reference blanked out: two types have the same shape
/// when they are equal up to where their references point.
pub fn shape(ty: &SubType) -> SubType {
    remap(ty, &mut |_| TypeRef::RecGroup(u32::MAX))
}

fn model_ref(id: TypeId) -> TypeRef {
    TypeRef::Engine(EngineTypeIndex::from_u32(id))
}

fn model_id(r: TypeRef) -> TypeId {
    match r {
        TypeRef::Engine(id) => id.as_u32(),
        other => panic!("model types only hold model ids, found {other:?}"),
    }
}

/// The top of an abstract heap type's hierarchy (written out here rather
/// than taken from the crate).
fn top(h: AbstractHeapType) -> AbstractHeapType {
    use AbstractHeapType::*;
    match h {
        Func | NoFunc => Func,
        Extern | NoExtern => Extern,
        Exn | NoExn => Exn,
        Cont | NoCont => Cont,
        Any | Eq | I31 | Struct | Array | None => Any,
    }
}

/// A model type.
#[derive(Clone, Debug)]
pub struct Type {
    /// Its rec group.
    pub group: GroupId,
    /// The type with every reference a model id: what `borrow` must return,
    /// with engine indices in place of model ids.
    pub runtime: SubType,
    /// Its declared supertype.
    pub supertype: Option<TypeId>,
    /// Its trampoline type (itself for non-function types).
    pub trampoline: TypeId,
}

/// A model rec group.
#[derive(Clone, Debug)]
pub struct Group {
    /// Its types' ids, in group order.
    pub types: Vec<TypeId>,
    /// The groups it keeps alive: those its types reference, and those of
    /// its trampoline types.
    pub holds: BTreeSet<GroupId>,
}

/// The reference model. Interning only ever adds; liveness is computed
/// from the handles held, on demand.
#[derive(Default, Debug)]
pub struct Model {
    keys: HashMap<Vec<SubType>, GroupId>,
    groups: Vec<Group>,
    types: Vec<Type>,
}

impl Model {
    /// The model type `id`.
    pub fn ty(&self, id: TypeId) -> &Type {
        &self.types[id as usize]
    }

    /// The model group `id`.
    pub fn group(&self, id: GroupId) -> &Group {
        &self.groups[id as usize]
    }

    /// Interns a module's rec groups in order; returns each module type's
    /// model id.
    pub fn module(&mut self, module: &ModuleTypes) -> Vec<TypeId> {
        let mut ids: Vec<TypeId> = Vec::with_capacity(module.len());
        for (start, group) in module.rec_groups() {
            let start = start.as_u32();
            let end = start + group.len() as u32;
            let key: Vec<SubType> = group
                .iter()
                .map(|ty| {
                    remap(ty, &mut |r| match r {
                        TypeRef::Module(j) if (start..end).contains(&j.as_u32()) => {
                            TypeRef::RecGroup(j.as_u32() - start)
                        }
                        TypeRef::Module(j) => model_ref(ids[j.as_usize()]),
                        other => panic!("a module type holds {other:?}"),
                    })
                })
                .collect();
            if key.is_empty() {
                continue;
            }
            let g = self.intern(key);
            ids.extend_from_slice(&self.group(g).types);
        }
        ids
    }

    /// Interns module type `own` (alone in its rec group, possibly changed)
    /// as a singleton group: `ty`'s references to `own` are to itself,
    /// others to the module's types `ids`.
    pub fn singleton(&mut self, ty: &SubType, own: ModuleTypeIndex, ids: &[TypeId]) -> TypeId {
        let key = remap(ty, &mut |r| match r {
            TypeRef::Module(j) if j == own => TypeRef::RecGroup(0),
            TypeRef::Module(j) => model_ref(ids[j.as_usize()]),
            other => panic!("a module type holds {other:?}"),
        });
        let g = self.intern(vec![key]);
        self.group(g).types[0]
    }

    fn intern(&mut self, key: Vec<SubType>) -> GroupId {
        if let Some(&g) = self.keys.get(&key) {
            return g;
        }
        let g = self.groups.len() as GroupId;
        let first = self.types.len() as TypeId;
        let ids: Vec<TypeId> = (first..first + key.len() as TypeId).collect();
        let mut holds = BTreeSet::new();
        for ty in &key {
            let runtime = remap(ty, &mut |r| match r {
                TypeRef::RecGroup(i) => model_ref(ids[i as usize]),
                TypeRef::Engine(_) => {
                    holds.insert(self.types[model_id(r) as usize].group);
                    r
                }
                other => panic!("a model key holds {other:?}"),
            });
            let supertype = runtime.supertype.map(model_id);
            self.types.push(Type { group: g, runtime, supertype, trampoline: TypeId::MAX });
        }
        self.groups.push(Group { types: ids.clone(), holds });
        self.keys.insert(key, g);
        // Trampolines last: they need the kinds of the group's own types.
        for id in ids {
            let trampoline = self.trampoline_of(id);
            self.types[id as usize].trampoline = trampoline;
            if trampoline != id {
                let held = self.ty(trampoline).group;
                self.groups[g as usize].holds.insert(held);
            }
        }
        g
    }

    fn trampoline_of(&mut self, id: TypeId) -> TypeId {
        let ty = &self.ty(id).runtime;
        let CompositeType::Func(func) = &ty.composite else { return id };
        let widen = |v: &ValType| match *v {
            ValType::Ref(RefType { heap_type: HeapType::Abstract(h), .. }) => ValType::Ref(RefType::nullable(top(h))),
            ValType::Ref(RefType { heap_type: HeapType::SharedAbstract(h), .. }) => {
                ValType::Ref(RefType { nullable: true, heap_type: HeapType::SharedAbstract(top(h)) })
            }
            ValType::Ref(RefType { heap_type: HeapType::Concrete(r) | HeapType::Exact(r), .. }) => {
                let target = &self.ty(model_id(r)).runtime;
                let h = match target.composite {
                    CompositeType::Func(_) => AbstractHeapType::Func,
                    CompositeType::Struct(_) | CompositeType::Array(_) => AbstractHeapType::Any,
                    CompositeType::Cont(_) => AbstractHeapType::Cont,
                };
                // A shared type's top is the shared one.
                let heap_type = if target.shared { HeapType::SharedAbstract(h) } else { HeapType::Abstract(h) };
                ValType::Ref(RefType { nullable: true, heap_type })
            }
            other => other,
        };
        let params: Vec<ValType> = func.params.iter().map(widen).collect();
        let results: Vec<ValType> = func.results.iter().map(widen).collect();
        // Always unshared: a shared function type shares its trampoline
        // with the unshared one of the same signature.
        let trampoline = SubType::func(params, results);
        if !ty.shared && ty.is_final && ty.supertype.is_none() && trampoline.composite == ty.composite {
            return id;
        }
        let g = self.intern(vec![trampoline]);
        self.group(g).types[0]
    }

    /// Whether `a` is `b` or has it among its declared supertypes.
    pub fn is_subtype(&self, a: TypeId, b: TypeId) -> bool {
        let mut current = Some(a);
        while let Some(t) = current {
            if t == b {
                return true;
            }
            current = self.ty(t).supertype;
        }
        false
    }

    /// How many declared supertypes `id` has, transitively.
    pub fn depth(&self, id: TypeId) -> usize {
        std::iter::successors(self.ty(id).supertype, |&t| self.ty(t).supertype).count()
    }

    /// The groups that handles on `held` keep alive.
    pub fn live_groups(&self, held: impl IntoIterator<Item = TypeId>) -> BTreeSet<GroupId> {
        let mut live = BTreeSet::new();
        let mut worklist: Vec<GroupId> = held.into_iter().map(|t| self.ty(t).group).collect();
        while let Some(g) = worklist.pop() {
            if live.insert(g) {
                worklist.extend(self.group(g).holds.iter().copied());
            }
        }
        live
    }

    /// How many types the groups `live` have.
    pub fn type_count(&self, live: &BTreeSet<GroupId>) -> usize {
        live.iter().map(|&g| self.group(g).types.len()).sum()
    }

    /// Compares `registry.is_subtype(a, b)` with the model's answer for
    /// the model types the two indices hold.
    pub fn check_subtype(
        &self,
        registry: &TypeRegistry,
        (a, ma): (EngineTypeIndex, TypeId),
        (b, mb): (EngineTypeIndex, TypeId),
    ) -> Result<(), String> {
        let (got, expected) = (registry.is_subtype(a, b), self.is_subtype(ma, mb));
        SUBTYPE_ANSWERS[0].fetch_add(1, Ordering::Relaxed);
        SUBTYPE_ANSWERS[1].fetch_add(u64::from(expected), Ordering::Relaxed);
        if got != expected {
            return Err(format!("is_subtype({a:?}, {b:?}) = {got}, but the model says {expected} (types {ma}, {mb})"));
        }
        Ok(())
    }

    /// Checks the registry against the model, starting from `held`: pairs of
    /// an engine index some live handle holds and the model id it must be.
    ///
    /// Follows every reference and trampoline from there, binding shared
    /// indices to model ids one to one (two model ids on one index, or two
    /// indices for one model id, is a failure), and compares each bound
    /// type's `borrow` with the model's runtime form. Then compares
    /// `is_subtype` with the model for every pair among (up to `pairs_cap`)
    /// bound indices. Returns the bindings.
    pub fn check(
        &self,
        registry: &TypeRegistry,
        held: impl IntoIterator<Item = (EngineTypeIndex, TypeId)>,
        pairs_cap: usize,
    ) -> Result<BTreeMap<EngineTypeIndex, TypeId>, String> {
        let mut to_model: BTreeMap<EngineTypeIndex, TypeId> = BTreeMap::new();
        let mut to_index: HashMap<TypeId, EngineTypeIndex> = HashMap::new();
        let mut worklist = Vec::new();
        let mut bind = |s: EngineTypeIndex, m: TypeId, worklist: &mut Vec<(EngineTypeIndex, TypeId)>| match (
            to_model.get(&s),
            to_index.get(&m),
        ) {
            (Some(&m2), _) if m2 != m => Err(format!("{s:?} is both model type {m2} and {m}")),
            (_, Some(&s2)) if s2 != s => Err(format!("model type {m} is both {s2:?} and {s:?}")),
            (Some(_), _) => Ok(()),
            _ => {
                to_model.insert(s, m);
                to_index.insert(m, s);
                worklist.push((s, m));
                Ok(())
            }
        };
        for (s, m) in held {
            bind(s, m, &mut worklist)?;
        }
        while let Some((s, m)) = worklist.pop() {
            let got = registry.borrow(s).ok_or_else(|| format!("{s:?} (model type {m}) is live but not registered"))?;
            let expected = &self.ty(m).runtime;
            if shape(&got) != shape(expected) {
                return Err(format!("{s:?} is {got:?}, but model type {m} is {expected:?}"));
            }
            for (got_ref, expected_ref) in refs(&got).into_iter().zip(refs(expected)) {
                let TypeRef::Engine(target) = got_ref else {
                    return Err(format!("{s:?} holds a non-shared reference: {got:?}"));
                };
                bind(target, model_id(expected_ref), &mut worklist)?;
            }
            bind(registry.trampoline_type(s), self.ty(m).trampoline, &mut worklist)?;
        }
        let sample: Vec<(EngineTypeIndex, TypeId)> = to_model.iter().take(pairs_cap).map(|(&s, &m)| (s, m)).collect();
        for &(a, ma) in &sample {
            for &(b, mb) in &sample {
                self.check_subtype(registry, (a, ma), (b, mb))?;
            }
        }
        Ok(to_model)
    }
}
