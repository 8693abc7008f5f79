//! The engine of the differential test
//! (`tests/conformance/differential.rs`), shared with the
//! `concurrent_model` fuzz target (`fuzz/`): a pool of generated
//! modules, the operations threads replay on one registry, and the checks
//! against the sequential model ([`super::model`]).
//!
//! What must hold whatever the interleaving:
//! - inside a thread, every answer about types the thread holds agrees with
//!   the model (equal model types share an index, `borrow` has the model's
//!   structure, `is_subtype` and `trampoline_type` agree);
//! - across threads, a witness table records which index each *held* model
//!   type has: two live handles on equal types never see different indices,
//!   and two live handles on different types never see the same index;
//! - between rounds (all threads joined), everything held is checked against
//!   the model together, and `len()` and the rec group count equal the
//!   model's live set;
//! - at the end, after every handle is dropped, the registry is empty and
//!   every index it ever handed out is free.

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use wasm_type_registry::*;

use super::generate::{self, Choices, VARIANTS};
use super::model::{remap, Model, TypeId};

/// How many threads replay operations at once.
pub const THREADS: usize = 3;

/// One operation of a thread. Numbers pick among what the thread holds
/// (modulo its count), so every sequence is meaningful. The fuzz target
/// (built with `--cfg fuzzing`) decodes them from its input.
#[derive(Clone, Copy, Debug)]
#[cfg_attr(fuzzing, derive(arbitrary::Arbitrary))]
pub enum Op {
    /// Register pool module `n % len`.
    RegisterModule(usize),
    /// Register, with `TypeRegistry::register_type`, a variant of a type that is
    /// alone in its rec group in a module this thread holds.
    NewType { handle: usize, ty: usize, variant: u8 },
    /// `TypeRegistry::root` on a type this thread holds.
    Root { handle: usize, ty: usize },
    /// Clone a `RegisteredType` this thread holds.
    Clone(usize),
    /// `borrow` a type this thread holds and check its structure.
    Borrow { handle: usize, ty: usize },
    /// `is_subtype` on two types this thread holds.
    IsSubtype { a: (usize, usize), b: (usize, usize) },
    /// Drop a handle.
    Drop(usize),
    /// Check every type this thread holds against the model.
    Check,
}

impl Op {
    /// The operations' names, in [`Op::kind`] order.
    pub const KINDS: [&'static str; 8] =
        ["register_module", "TypeRegistry::register_type", "root", "clone", "borrow", "is_subtype", "drop", "check"];

    /// Which of [`Op::KINDS`] this is.
    pub fn kind(&self) -> usize {
        match self {
            Op::RegisterModule(_) => 0,
            Op::NewType { .. } => 1,
            Op::Root { .. } => 2,
            Op::Clone(_) => 3,
            Op::Borrow { .. } => 4,
            Op::IsSubtype { .. } => 5,
            Op::Drop(_) => 6,
            Op::Check => 7,
        }
    }
}

/// Operations executed, by kind (for the figures in docs/reliability.md).
pub static EXECUTED: [AtomicU64; 8] = [const { AtomicU64::new(0) }; 8];

/// What the generated pools held, over all cases: types, types with a
/// declared supertype, types at depth 63, rec groups that appeared in more
/// than one module or twice in one.
pub static GENERATED: [AtomicU64; 4] = [const { AtomicU64::new(0) }; 4];

/// What a thread holds.
enum Handle {
    Module { types: TypeCollection, module: usize },
    Type { ty: RegisteredType, model: TypeId },
}

/// Everything the threads share: read-only, except the registry and the
/// witness table.
struct World {
    registry: TypeRegistry,
    modules: Vec<ModuleTypes>,
    model: Model,
    /// Each pool module's model ids, by module index.
    module_ids: Vec<Vec<TypeId>>,
    /// Each pool module's types that are alone in their rec group.
    singletons: Vec<Vec<ModuleTypeIndex>>,
    /// The model id of each (module, type, variant) singleton.
    variants: HashMap<(usize, ModuleTypeIndex, u8), TypeId>,
    witness: Witness,
}

impl World {
    fn new(pool: &[generate::Generated]) -> World {
        let modules: Vec<ModuleTypes> = pool.iter().map(|g| g.build()).collect();
        let mut model = Model::default();
        let module_ids: Vec<Vec<TypeId>> = modules.iter().map(|m| model.module(m)).collect();
        let singletons: Vec<Vec<ModuleTypeIndex>> = modules
            .iter()
            .map(|m| m.rec_groups().filter(|(_, group)| group.len() == 1).map(|(start, _)| start).collect())
            .collect();
        let mut variants = HashMap::new();
        for (m, module) in modules.iter().enumerate() {
            for &j in &singletons[m] {
                for variant in 0..VARIANTS {
                    let ty = generate::singleton_variant(module.get(j).unwrap(), variant);
                    variants.insert((m, j, variant), model.singleton(&ty, j, &module_ids[m]));
                }
            }
        }
        let mut depth_63 = 0;
        let mut with_supertype = 0;
        let mut occurrences: HashMap<&[TypeId], usize> = HashMap::new();
        for (module, ids) in modules.iter().zip(&module_ids) {
            for (start, group) in module.rec_groups() {
                let ids = &ids[start.as_usize()..start.as_usize() + group.len()];
                *occurrences.entry(ids).or_default() += 1;
                for &id in ids {
                    with_supertype += u64::from(model.ty(id).supertype.is_some());
                    depth_63 += u64::from(model.depth(id) == MAX_SUBTYPING_DEPTH);
                }
            }
        }
        let types: usize = modules.iter().map(ModuleTypes::len).sum();
        let repeated = occurrences.iter().filter(|(ids, &n)| !ids.is_empty() && n > 1).count();
        for (counter, n) in GENERATED.iter().zip([types as u64, with_supertype, depth_63, repeated as u64]) {
            counter.fetch_add(n, Ordering::Relaxed);
        }
        World {
            registry: TypeRegistry::new(),
            modules,
            model,
            module_ids,
            singletons,
            variants,
            witness: Witness::default(),
        }
    }

    /// The (engine index, model id) of each type a handle holds directly.
    fn held(&self, handle: &Handle) -> Vec<(EngineTypeIndex, TypeId)> {
        match handle {
            Handle::Module { types, module } => {
                types.engine_types().iter().copied().zip(self.module_ids[*module].iter().copied()).collect()
            }
            Handle::Type { ty, model } => vec![(ty.index(), *model)],
        }
    }

    /// Takes a new handle: records it in the witness table, then keeps it.
    fn keep(&self, held: &mut Vec<Handle>, handle: Handle) -> Result<(), String> {
        self.witness.acquire(&self.held(&handle))?;
        held.push(handle);
        Ok(())
    }

    /// One thread's op sequence. Returns what the thread holds afterwards and
    /// every index it saw.
    fn run(&self, ops: &[Op], mut held: Vec<Handle>) -> Result<(Vec<Handle>, BTreeSet<EngineTypeIndex>), String> {
        let registry = &self.registry;
        let mut seen = BTreeSet::new();
        for &op in ops {
            let held_types = |held: &[Handle], (h, t): (usize, usize)| {
                let types = self.held(held.get(h % held.len().max(1))?);
                types.get(t % types.len().max(1)).copied()
            };
            let executed = match op {
                Op::RegisterModule(m) => {
                    let module = m % self.modules.len();
                    let types = registry
                        .register_module(&self.modules[module])
                        .map_err(|e| format!("valid module {module} refused: {e}"))?;
                    seen.extend(types.engine_types());
                    self.keep(&mut held, Handle::Module { types, module })?;
                    true
                }
                Op::NewType { handle, ty, variant } => {
                    // The fuzz target's variants come unbounded.
                    let variant = variant % VARIANTS;
                    let modules: Vec<(&TypeCollection, usize)> = held
                        .iter()
                        .filter_map(|h| match h {
                            Handle::Module { types, module } => Some((types, *module)),
                            Handle::Type { .. } => None,
                        })
                        .filter(|&(_, m)| !self.singletons[m].is_empty())
                        .collect();
                    match modules.get(handle % modules.len().max(1)) {
                        None => false,
                        Some(&(types, m)) => {
                            let j = self.singletons[m][ty % self.singletons[m].len()];
                            let sub = generate::singleton_variant(self.modules[m].get(j).unwrap(), variant);
                            let sub = remap(&sub, &mut |r| match r {
                                TypeRef::Module(x) if x == j => TypeRef::RecGroup(0),
                                TypeRef::Module(x) => TypeRef::Engine(types.engine_type(x).unwrap()),
                                other => other,
                            });
                            let expected = self.variants[&(m, j, variant)];
                            let new = registry
                                .register_type(sub.clone())
                                .map_err(|e| format!("valid type {sub:?} refused: {e}"))?;
                            seen.insert(new.index());
                            if variant == 0 && Some(new.index()) != types.engine_type(j) {
                                return Err(format!(
                                    "TypeRegistry::register_type of module {m}'s type {j:?} gave {:?}, the module has {:?}",
                                    new.index(),
                                    types.engine_type(j)
                                ));
                            }
                            self.keep(&mut held, Handle::Type { ty: new, model: expected })?;
                            true
                        }
                    }
                }
                Op::Root { handle, ty } => match held_types(&held, (handle, ty)) {
                    None => false,
                    Some((s, m)) => {
                        let rooted =
                            registry.root(s).ok_or_else(|| format!("root({s:?}) = None while this thread holds it"))?;
                        if rooted.index() != s || Some(rooted.sub_type()) != registry.borrow(s).as_ref() {
                            return Err(format!("root({s:?}) gave {rooted:?}"));
                        }
                        self.keep(&mut held, Handle::Type { ty: rooted, model: m })?;
                        true
                    }
                },
                Op::Clone(h) => {
                    let singles: Vec<(&RegisteredType, TypeId)> = held
                        .iter()
                        .filter_map(|h| match h {
                            Handle::Type { ty, model } => Some((ty, *model)),
                            Handle::Module { .. } => None,
                        })
                        .collect();
                    match singles.get(h % singles.len().max(1)) {
                        None => false,
                        Some(&(ty, model)) => {
                            let clone = ty.clone();
                            if clone != *ty {
                                return Err(format!("a clone of {ty:?} is not equal to it: {clone:?}"));
                            }
                            self.keep(&mut held, Handle::Type { ty: clone, model })?;
                            true
                        }
                    }
                }
                Op::Borrow { handle, ty } => match held_types(&held, (handle, ty)) {
                    None => false,
                    Some(pair) => {
                        self.model.check(registry, [pair], 0)?;
                        true
                    }
                },
                Op::IsSubtype { a, b } => match (held_types(&held, a), held_types(&held, b)) {
                    (Some(a), Some(b)) => {
                        self.model.check_subtype(registry, a, b)?;
                        true
                    }
                    _ => false,
                },
                Op::Drop(h) => {
                    if held.is_empty() {
                        false
                    } else {
                        let handle = held.swap_remove(h % held.len());
                        // Released from the witness table before the
                        // registry sees the drop: the table never claims a
                        // type is held when it might not be.
                        self.witness.release(&self.held(&handle));
                        drop(handle);
                        true
                    }
                }
                Op::Check => {
                    let all: Vec<_> = held.iter().flat_map(|h| self.held(h)).collect();
                    self.model.check(registry, all, 24)?;
                    true
                }
            };
            if executed {
                EXECUTED[op.kind()].fetch_add(1, Ordering::Relaxed);
            }
        }
        Ok((held, seen))
    }

    /// With every thread joined: everything held, checked together, and the
    /// registry's counters against the model's live set.
    fn check_quiescent(&self, held: &[Vec<Handle>]) -> Result<(), String> {
        let all: Vec<(EngineTypeIndex, TypeId)> = held.iter().flatten().flat_map(|h| self.held(h)).collect();
        self.model.check(&self.registry, all.iter().copied(), 40)?;
        let live = self.model.live_groups(all.iter().map(|&(_, m)| m));
        let stats = self.registry.stats();
        let expected_types = self.model.type_count(&live);
        if self.registry.len() != expected_types || stats.rec_groups != live.len() {
            return Err(format!(
                "registry has {} types in {} rec groups, the model {expected_types} in {}: {stats:?}",
                self.registry.len(),
                stats.rec_groups,
                live.len()
            ));
        }
        if stats.slots_ever_used != stats.free_slots + stats.registered_types {
            return Err(format!("index accounting is off: {stats:?}"));
        }
        Ok(())
    }
}

/// Which index each model type has while some thread holds a handle on it,
/// and the reverse. A handle is added after it is obtained and removed
/// before it is dropped, so while a count is positive the type is really
/// held, and every other live handle on it must agree.
#[derive(Default)]
struct Witness(Mutex<WitnessTables>);

#[derive(Default)]
struct WitnessTables {
    by_model: HashMap<TypeId, (EngineTypeIndex, usize)>,
    by_index: HashMap<EngineTypeIndex, (TypeId, usize)>,
}

impl Witness {
    fn acquire(&self, pairs: &[(EngineTypeIndex, TypeId)]) -> Result<(), String> {
        let mut tables = self.0.lock().unwrap();
        for &(s, m) in pairs {
            let by_model = tables.by_model.entry(m).or_insert((s, 0));
            if by_model.1 > 0 && by_model.0 != s {
                return Err(format!("model type {m} is held as {:?} and as {s:?} at once", by_model.0));
            }
            *by_model = (s, by_model.1 + 1);
            let by_index = tables.by_index.entry(s).or_insert((m, 0));
            if by_index.1 > 0 && by_index.0 != m {
                return Err(format!("{s:?} is held as model type {} and as {m} at once", by_index.0));
            }
            *by_index = (m, by_index.1 + 1);
        }
        Ok(())
    }

    fn release(&self, pairs: &[(EngineTypeIndex, TypeId)]) {
        let mut tables = self.0.lock().unwrap();
        for &(s, m) in pairs {
            tables.by_model.get_mut(&m).unwrap().1 -= 1;
            tables.by_index.get_mut(&s).unwrap().1 -= 1;
        }
    }
}

/// Generates the pool from `choices`, then runs each round's sequences
/// (one per thread) at once on one registry, checking as the module docs
/// say.
pub fn run_case(choices: &[u32], rounds: &[Vec<Vec<Op>>]) -> Result<(), String> {
    let pool = generate::pool(&mut Choices::new(choices));
    let world = World::new(&pool);
    let mut held: Vec<Vec<Handle>> = (0..THREADS).map(|_| Vec::new()).collect();
    let mut seen = BTreeSet::new();
    for round in rounds {
        let results: Vec<_> = std::thread::scope(|s| {
            let threads: Vec<_> = round
                .iter()
                .zip(std::mem::take(&mut held))
                .map(|(ops, mine)| s.spawn(|| world.run(ops, mine)))
                .collect();
            threads.into_iter().map(|t| t.join().unwrap_or_else(|p| std::panic::resume_unwind(p))).collect()
        });
        for result in results {
            let (mine, saw) = result?;
            held.push(mine);
            seen.extend(saw);
        }
        world.check_quiescent(&held)?;
    }
    drop(held);
    let registry = &world.registry;
    let stats = registry.stats();
    if !registry.is_empty() || stats.rec_groups != 0 || stats.free_slots != stats.slots_ever_used {
        return Err(format!("after every handle was dropped: {stats:?}"));
    }
    for &s in &seen {
        if registry.borrow(s).is_some() || registry.root(s).is_some() {
            return Err(format!("{s:?} is still registered after every handle was dropped"));
        }
        if registry.trampoline_type(s) != s {
            return Err(format!("trampoline_type({s:?}) of an unregistered index is not itself"));
        }
    }
    Ok(())
}
