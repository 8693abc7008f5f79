//! Bad input: every class of malformed input gets an error that names the
//! problem (a `TypeError` from the builder, a `RegistryError` from the
//! registry), no panic, and leaves the registry exactly as it was.
//!
//! Each test builds a [`Fixture`] (a registry holding a module with a
//! subtype hierarchy, recursive groups, function types with trampoline
//! types and a chain of depth 63, plus a `RegisteredType`), feeds it bad
//! input, and checks with [`Fixture::refused`] that the error is the
//! expected variant, that its message contains the words that name the
//! problem, and that the registry's answers are unchanged: `len()`, the
//! rec group count, the indices in use, and for every type the fixture
//! holds its `borrow`, `trampoline_type`, `root` and `is_subtype` against
//! every other. [`Fixture::finish`] then drops the fixture's handles and
//! checks that the registry is empty, so a registration a failed call took
//! and did not give back shows up as a leak.
//!
//! The last test mutates valid modules and types at random (proptest,
//! seeded: see `common::proptest_config`) and asserts Ok, or Err with the
//! registry unchanged; never a panic.
//!
//! Truncated or garbage bytes to `ModuleInfo::from_wasm` are tested in
//! `tests/workloads/binary_modules.rs`; `from_wasm` does not touch a registry.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;

use proptest::prelude::*;
use proptest::test_runner::{TestCaseError, TestRunner};
use wasm_type_registry::*;

use crate::common::field;
use crate::common::generate::{self, Choices};
use crate::common::model::{refs, remap};

fn module_ref(i: u32) -> TypeRef {
    TypeRef::Module(ModuleTypeIndex::from_u32(i))
}

fn shared_ref(i: EngineTypeIndex) -> TypeRef {
    TypeRef::Engine(i)
}

fn ref_to(nullable: bool, r: TypeRef) -> ValType {
    ValType::Ref(RefType::concrete(nullable, r))
}

/// Builds a module from rec groups.
fn module(groups: Vec<Vec<SubType>>) -> Result<ModuleTypes, TypeError> {
    let mut builder = ModuleTypes::builder();
    for group in groups {
        builder.rec_group(group);
    }
    builder.build()
}

/// What the registry answers about a set of types: compared before and
/// after a refused call.
#[derive(Debug, PartialEq)]
struct Snapshot {
    len: usize,
    rec_groups: usize,
    indices_in_use: usize,
    types: Vec<(EngineTypeIndex, Option<SubType>, EngineTypeIndex, bool)>,
    subtypes: Vec<bool>,
}

/// A registry with handles on a variety of types.
struct Fixture {
    registry: TypeRegistry,
    collection: TypeCollection,
    single: RegisteredType,
    /// Module indices in `collection`, named.
    base: ModuleTypeIndex,
    derived_final: ModuleTypeIndex,
    deepest: ModuleTypeIndex,
}

impl Fixture {
    fn new() -> Fixture {
        let registry = TypeRegistry::new();
        let mut groups = vec![
            // 0: (sub (struct (field (mut i32))))
            vec![SubType::struct_(false, None, [field(true, ValType::I32)])],
            // 1: (sub final 0 (struct (field (mut i32)) (field (ref null 0))))
            vec![SubType::struct_(
                true,
                Some(module_ref(0)),
                [field(true, ValType::I32), field(false, ref_to(true, module_ref(0)))],
            )],
            // 2: (func (param (ref 0)) (result i32)), with a trampoline type
            vec![SubType::func([ref_to(false, module_ref(0))], [ValType::I32])],
            // 3, 4: (rec (struct (field (ref 4))) (struct (field (ref null 3))))
            vec![
                SubType::struct_(false, None, [field(false, ref_to(false, module_ref(4)))]),
                SubType::struct_(false, None, [field(false, ref_to(true, module_ref(3)))]),
            ],
            // 5: (sub (func (param i32))), not final
            vec![SubType { is_final: false, ..SubType::func([ValType::I32], []) }],
        ];
        // 6..=69: a chain of 64 structs, the last at depth 63.
        groups.push(vec![SubType::struct_(false, None, [])]);
        for i in 7..=69 {
            groups.push(vec![SubType::struct_(false, Some(module_ref(i - 1)), [])]);
        }
        let collection = registry.register_module(&module(groups).unwrap()).unwrap();
        let single = registry.register_type(SubType::array(false, None, field(true, ValType::F64))).unwrap();
        Fixture {
            registry,
            collection,
            single,
            base: ModuleTypeIndex::from_u32(0),
            derived_final: ModuleTypeIndex::from_u32(1),
            deepest: ModuleTypeIndex::from_u32(69),
        }
    }

    fn shared(&self, i: ModuleTypeIndex) -> EngineTypeIndex {
        self.collection.engine_type(i).unwrap()
    }

    /// Every index the fixture holds, and the trampoline types.
    fn indices(&self) -> Vec<EngineTypeIndex> {
        let mut indices: Vec<EngineTypeIndex> = self.collection.engine_types().to_vec();
        indices.push(self.single.index());
        indices.extend(indices.clone().into_iter().map(|i| self.registry.trampoline_type(i)));
        indices.sort();
        indices.dedup();
        indices
    }

    fn snapshot(&self) -> Snapshot {
        let registry = &self.registry;
        let stats = registry.stats();
        let indices = self.indices();
        let types = indices
            .iter()
            .map(|&i| {
                let rooted = registry.root(i).is_some_and(|r| r.index() == i);
                (i, registry.borrow(i).map(|t| (*t).clone()), registry.trampoline_type(i), rooted)
            })
            .collect();
        let subtypes = indices.iter().flat_map(|&a| indices.iter().map(move |&b| registry.is_subtype(a, b))).collect();
        Snapshot {
            len: registry.len(),
            rec_groups: stats.rec_groups,
            indices_in_use: stats.slots_ever_used - stats.free_slots,
            types,
            subtypes,
        }
    }

    /// Runs `call`, which must be refused with an error that `expected`
    /// accepts and whose message contains every one of `words`, leaving
    /// the registry as it was.
    #[track_caller]
    fn refused<T: std::fmt::Debug, E: std::error::Error>(
        &self,
        call: impl FnOnce() -> Result<T, E>,
        expected: impl FnOnce(&E) -> bool,
        words: &[&str],
    ) {
        let before = self.snapshot();
        let err = call().expect_err("bad input was accepted");
        assert!(expected(&err), "unexpected error variant: {err:?}");
        let message = err.to_string();
        for word in words {
            assert!(message.contains(word), "the message {message:?} does not say {word:?}");
        }
        assert_eq!(self.snapshot(), before, "the refused call ({message}) changed the registry");
        // The handles still work.
        assert_eq!(self.registry.borrow(self.single.index()).as_deref(), Some(&*self.single));
        assert!(self.registry.is_subtype(self.shared(self.derived_final), self.shared(self.base)));
    }

    /// Drops everything and checks that nothing leaked.
    fn finish(self) {
        let Fixture { registry, collection, single, .. } = self;
        drop((collection, single));
        let stats = registry.stats();
        assert_eq!(registry.len(), 0, "registrations leaked: {stats:?}");
        assert_eq!(stats.rec_groups, 0);
        assert_eq!(stats.free_slots, stats.slots_ever_used);
    }
}

#[test]
fn index_out_of_range() {
    let fx = Fixture::new();
    let bad = || {
        module(vec![vec![
            SubType::struct_(false, None, []),
            SubType::struct_(false, None, [field(false, ref_to(true, module_ref(5)))]),
        ]])
    };
    fx.refused(
        bad,
        |e| matches!(e, TypeError::IndexOutOfRange { type_index: 1, referenced: 5, num_types: 2 }),
        &["type 1", "index 5", "out of range", "2 types"],
    );
    // An engine index no registry ever handed out.
    let never = EngineTypeIndex::from_u32(1_000_000);
    fx.refused(
        || fx.registry.register_type(SubType::struct_(false, None, [field(false, ref_to(true, shared_ref(never)))])),
        |e| {
            matches!(e, RegistryError::Type(TypeError::UnregisteredEngineIndex { index, referrer: Some((0, RefSite::Field(0))) })
                if *index == never)
        },
        &["type 0, field 0:", "1000000", "not registered"],
    );
    // A singleton group has only `RecGroup(0)`.
    fx.refused(
        || fx.registry.register_type(SubType::struct_(false, None, [field(false, ref_to(true, TypeRef::RecGroup(1)))])),
        |e| matches!(e, RegistryError::Type(TypeError::WrongIndexSpace { reference: TypeRef::RecGroup(1), .. })),
        &["rec:1 (a rec-group-relative index)", "wrong index space"],
    );
    fx.finish();
}

#[test]
fn forward_reference_to_a_later_rec_group() {
    let fx = Fixture::new();
    fx.refused(
        || {
            module(vec![
                vec![SubType::array(false, None, field(false, ref_to(false, module_ref(1))))],
                vec![SubType::func([], [])],
            ])
        },
        |e| matches!(e, TypeError::ForwardReference { type_index: 0, referenced: 1, rec_group: 0 }),
        &["type 0", "rec group 0", "forward reference", "type 1"],
    );
    // A supertype in a later rec group is a forward reference too.
    fx.refused(
        || {
            module(vec![
                vec![SubType::struct_(false, Some(module_ref(1)), [])],
                vec![SubType::struct_(false, None, [])],
            ])
        },
        |e| matches!(e, TypeError::ForwardReference { type_index: 0, referenced: 1, .. }),
        &["forward reference"],
    );
    fx.finish();
}

#[test]
fn supertype_is_final() {
    let fx = Fixture::new();
    fx.refused(
        || module(vec![vec![SubType::struct_(true, None, [])], vec![SubType::struct_(false, Some(module_ref(0)), [])]]),
        |e| matches!(e, TypeError::SupertypeIsFinal { type_index: 1, .. }),
        &["type 1", "final"],
    );
    let final_ = fx.shared(fx.derived_final);
    let fields = [field(true, ValType::I32), field(false, ref_to(true, shared_ref(fx.shared(fx.base))))];
    fx.refused(
        || fx.registry.register_type(SubType::struct_(true, Some(shared_ref(final_)), fields)),
        |e| matches!(e, RegistryError::Type(TypeError::SupertypeIsFinal { supertype, .. }) if *supertype == shared_ref(final_)),
        &["final", "cannot be subtyped"],
    );
    fx.finish();
}

#[test]
fn supertype_defined_later() {
    let fx = Fixture::new();
    // Later in the same rec group.
    fx.refused(
        || module(vec![vec![SubType::struct_(false, Some(module_ref(1)), []), SubType::struct_(false, None, [])]]),
        |e| matches!(e, TypeError::SupertypeNotEarlier { type_index: 0, supertype: 1 }),
        &["type 0", "supertype 1", "not defined before"],
    );
    // Itself.
    fx.refused(
        || module(vec![vec![SubType::struct_(false, Some(module_ref(0)), [])]]),
        |e| matches!(e, TypeError::SupertypeNotEarlier { type_index: 0, supertype: 0 }),
        &["not defined before"],
    );
    // Itself, as a singleton registered directly.
    fx.refused(
        || fx.registry.register_type(SubType::struct_(false, Some(TypeRef::RecGroup(0)), [])),
        |e| matches!(e, RegistryError::Type(TypeError::SupertypeNotEarlier { .. })),
        &["not defined before"],
    );
    fx.finish();
}

#[test]
fn supertype_of_another_kind() {
    let fx = Fixture::new();
    fx.refused(
        || {
            module(vec![vec![
                SubType { is_final: false, ..SubType::func([], []) },
                SubType::struct_(false, Some(module_ref(0)), []),
            ]])
        },
        |e| {
            matches!(
                e,
                TypeError::SupertypeKindMismatch {
                    type_index: 1,
                    kind: CompositeKind::Struct,
                    supertype_kind: CompositeKind::Func
                }
            )
        },
        &["type 1", "a struct type cannot subtype a func type"],
    );
    let base = shared_ref(fx.shared(fx.base));
    fx.refused(
        || fx.registry.register_type(SubType::array(false, Some(base), field(true, ValType::I32))),
        |e| matches!(e, RegistryError::Type(TypeError::SupertypeKindMismatch { kind: CompositeKind::Array, .. })),
        &["an array type cannot subtype a struct type"],
    );
    fx.finish();
}

#[test]
fn structural_mismatch_rolls_back_the_groups_registered_before_it() {
    let fx = Fixture::new();
    // Groups 0 to 2 are new (2 is a function type with its own trampoline
    // type, and references 0); group 3 declares 0 as its supertype but
    // changes a mutable field's type. The registry registers 0 to 2 before
    // it finds out, and must give them back.
    let bad = || {
        let module = module(vec![
            vec![SubType::struct_(false, None, [field(true, ValType::I64), field(false, ValType::F32)])],
            vec![SubType::array(true, None, field(false, ref_to(false, module_ref(0))))],
            vec![SubType::func([ref_to(true, module_ref(1))], [ref_to(false, module_ref(0))])],
            vec![SubType::struct_(false, Some(module_ref(0)), [field(true, ValType::I32), field(false, ValType::F32)])],
        ])?;
        fx.registry.register_module(&module)
    };
    fx.refused(
        bad,
        |e| matches!(e, RegistryError::Type(TypeError::SupertypeMismatch { type_index: 3, detail }) if detail.contains("field 0")),
        &["type 3", "does not match its declared supertype", "field 0"],
    );
    // A function result that widens instead of narrowing.
    let bad = || {
        let module = module(vec![
            vec![SubType { is_final: false, ..SubType::func([], [ref_to(false, module_ref(0))]) }],
            vec![SubType {
                supertype: Some(module_ref(0)),
                ..SubType::func([], [ValType::Ref(RefType::nullable(AbstractHeapType::Any))])
            }],
        ])?;
        fx.registry.register_module(&module)
    };
    fx.refused(
        bad,
        |e| matches!(e, RegistryError::Type(TypeError::SupertypeMismatch { type_index: 1, detail }) if detail.contains("result 0")),
        &["does not match", "result 0"],
    );
    // Fewer fields than the supertype, registered directly.
    let base = shared_ref(fx.shared(fx.base));
    fx.refused(
        || fx.registry.register_type(SubType::struct_(false, Some(base), [])),
        |e| matches!(e, RegistryError::Type(TypeError::SupertypeMismatch { .. })),
        &["0 fields, fewer than the supertype's 1"],
    );
    fx.finish();
}

#[test]
fn subtyping_depth_64() {
    let fx = Fixture::new();
    let mut chain = vec![vec![SubType::struct_(false, None, [])]];
    for i in 1..=64 {
        chain.push(vec![SubType::struct_(false, Some(module_ref(i - 1)), [])]);
    }
    fx.refused(
        || module(chain.clone()),
        |e| matches!(e, TypeError::SubtypingDepthExceeded { type_index: 64, limit: 63 }),
        &["type 64", "subtyping depth", "63"],
    );
    // One below the fixture's deepest type (depth 63), registered directly.
    let deepest = shared_ref(fx.shared(fx.deepest));
    fx.refused(
        || fx.registry.register_type(SubType::struct_(false, Some(deepest), [])),
        |e| matches!(e, RegistryError::Type(TypeError::SubtypingDepthExceeded { limit: 63, .. })),
        &["subtyping depth", "63"],
    );
    fx.finish();
}

#[test]
fn more_types_than_the_limit() {
    let fx = Fixture::new();
    fx.refused(
        || {
            let mut builder = ModuleTypes::builder();
            builder.rec_group((0..=MAX_TYPES).map(|_| SubType::struct_(true, None, [])));
            builder.build()
        },
        |e| matches!(e, TypeError::LimitExceeded { what: "types", limit: MAX_TYPES, actual, .. } if *actual == MAX_TYPES + 1),
        &["too many types", "1000001", "1000000"],
    );
    fx.finish();
}

#[test]
fn more_fields_params_or_results_than_the_limits() {
    let fx = Fixture::new();
    let fields = || vec![field(false, ValType::I32); MAX_STRUCT_FIELDS + 1];
    let params = || vec![ValType::I64; MAX_PARAMS + 1];
    let results = || vec![ValType::F32; MAX_RESULTS + 1];
    let cases: [(SubType, &str, usize); 3] = [
        (SubType::struct_(false, None, fields()), "struct fields", MAX_STRUCT_FIELDS),
        (SubType::func(params(), []), "params", MAX_PARAMS),
        (SubType::func([], results()), "results", MAX_RESULTS),
    ];
    for (ty, what, limit) in cases {
        let expected = |e: &TypeError| matches!(e, TypeError::LimitExceeded { what: w, limit: l, actual, .. } if *w == what && *l == limit && *actual == limit + 1);
        let words = [&format!("too many {what}") as &str, &(limit + 1).to_string(), &limit.to_string()];
        fx.refused(|| module(vec![vec![SubType::func([], []), ty.clone()]]), expected, &words);
        fx.refused(
            || fx.registry.register_type(ty.clone()),
            |e| matches!(e, RegistryError::Type(e) if expected(e)),
            &words,
        );
    }
    fx.finish();
}

#[test]
fn module_level_indices_given_to_registered_type_new() {
    let fx = Fixture::new();
    fx.refused(
        || fx.registry.register_type(SubType::struct_(false, None, [field(false, ref_to(true, module_ref(0)))])),
        |e| matches!(e, RegistryError::Type(TypeError::WrongIndexSpace { reference: TypeRef::Module(_), .. })),
        &["0 (a module type index)", "wrong index space", "engine type indices"],
    );
    fx.refused(
        || fx.registry.register_type(SubType::struct_(false, Some(module_ref(0)), [])),
        |e| matches!(e, RegistryError::Type(TypeError::WrongIndexSpace { reference: TypeRef::Module(_), .. })),
        &["wrong index space"],
    );
    // And the reverse: engine indices inside a module.
    let shared = fx.shared(fx.base);
    fx.refused(
        || module(vec![vec![SubType::array(false, None, field(false, ref_to(true, shared_ref(shared))))]]),
        |e| matches!(e, TypeError::WrongIndexSpace { reference: TypeRef::Engine(_), .. }),
        &["wrong index space", "module type indices"],
    );
    fx.finish();
}

#[test]
fn engine_index_from_another_registry_or_unregistered() {
    let fx = Fixture::new();
    // An index another registry handed out, beyond any this one did.
    let other = TypeRegistry::new();
    let others: Vec<RegisteredType> =
        (0..200).map(|i| other.register_type(SubType::func(vec![ValType::I32; i], [])).unwrap()).collect();
    let foreign = others.last().unwrap().index();
    assert!(foreign.as_usize() >= fx.registry.stats().slots_ever_used);
    fx.refused(
        || fx.registry.register_type(SubType::func([ref_to(true, shared_ref(foreign))], [])),
        |e| {
            matches!(e, RegistryError::Type(TypeError::UnregisteredEngineIndex { index, referrer: Some((0, RefSite::Param(0))) })
                if *index == foreign)
        },
        &["type 0, param 0:", &foreign.to_string(), "not registered"],
    );
    // An index this registry handed out and has unregistered since.
    let gone = fx.registry.register_type(SubType::struct_(true, None, [field(false, ValType::V128)])).unwrap().index();
    assert!(fx.registry.borrow(gone).is_none());
    fx.refused(
        || fx.registry.register_type(SubType::struct_(false, Some(shared_ref(gone)), [])),
        |e| {
            matches!(e, RegistryError::Type(TypeError::UnregisteredEngineIndex { index, referrer: Some((0, RefSite::Supertype)) })
                if *index == gone)
        },
        &["type 0, supertype:", "not registered"],
    );
    // A good reference first, a bad one after it: the registration the good
    // one took must be given back (`finish` would see the leak).
    let good = shared_ref(fx.shared(fx.base));
    fx.refused(
        || {
            let fields = [field(false, ref_to(true, good)), field(false, ref_to(true, shared_ref(gone)))];
            fx.registry.register_type(SubType::struct_(false, None, fields))
        },
        |e| {
            matches!(e, RegistryError::Type(TypeError::UnregisteredEngineIndex { index, referrer: Some((0, RefSite::Field(1))) })
                if *index == gone)
        },
        &["type 0, field 1:", "not registered"],
    );
    drop(others);
    assert!(other.is_empty());
    fx.finish();
}

/// One random change to a module's types or rec group boundaries.
fn mutate_module(types: &mut [SubType], starts: &mut Vec<usize>, (what, a, b, c): (u8, usize, usize, u32)) {
    let n = types.len();
    if n == 0 {
        return;
    }
    let ty = &mut types[a % n];
    match what {
        // Point one reference somewhere else, maybe out of range or forward.
        0 => {
            let mut k = 0;
            let count = refs(ty).len().max(1);
            *ty = remap(ty, &mut |r| {
                k += 1;
                if k - 1 == b % count {
                    module_ref(c % (n as u32 + 2))
                } else {
                    r
                }
            });
        }
        1 => ty.supertype = (c % 3 != 0).then(|| module_ref(c % (n as u32 + 1))),
        2 => ty.is_final = !ty.is_final,
        // Another kind, keeping the supertype.
        3 => {
            let composite = match &ty.composite {
                CompositeType::Func(_) => SubType::struct_(false, None, [field(true, ValType::I32)]).composite,
                CompositeType::Struct(_) => SubType::array(false, None, field(false, ValType::I32)).composite,
                CompositeType::Array(_) | CompositeType::Cont(_) => SubType::func([ValType::I32], []).composite,
            };
            ty.composite = composite;
        }
        // A field or parameter changes type or mutability.
        4 => match &mut ty.composite {
            CompositeType::Struct(s) if !s.fields.is_empty() => {
                let i = b % s.fields.len();
                s.fields[i].mutable = !s.fields[i].mutable;
            }
            CompositeType::Array(a) => a.element.storage = StorageType::I8,
            CompositeType::Func(f) => {
                let mut params = f.params.to_vec();
                params.push(ValType::Ref(RefType::nullable(generate::ABSTRACT[b % generate::ABSTRACT.len()])));
                f.params = params.into();
            }
            CompositeType::Struct(_) | CompositeType::Cont(_) => {}
        },
        // Move a rec group boundary: merge two groups, or split one.
        5 => {
            if starts.len() > 1 && c % 2 == 0 {
                starts.remove(1 + b % (starts.len() - 1));
            } else {
                starts.push(a % n);
                starts.sort();
                starts.dedup();
            }
        }
        // An index from another index space.
        6 => {
            let other =
                if c % 2 == 0 { TypeRef::RecGroup(c % 3) } else { shared_ref(EngineTypeIndex::from_u32(c % 8)) };
            *ty = remap(ty, &mut |_| other);
        }
        // Over a size limit.
        _ => {
            if let CompositeType::Func(f) = &mut ty.composite {
                f.results = vec![ValType::I32; MAX_RESULTS + 1].into();
            }
        }
    }
}

#[test]
fn random_mutations_are_refused_cleanly_or_accepted() {
    let fx = Fixture::new();
    let mutation = (0u8..8, 0..64usize, 0..64usize, any::<u32>());
    let strategy = (prop::collection::vec(any::<u32>(), 0..200), prop::collection::vec(mutation, 1..4), any::<bool>());
    // Refused by validation, refused by the registry, accepted.
    let outcomes: [Cell<u64>; 3] = Default::default();
    let count = |i: usize| outcomes[i].set(outcomes[i].get() + 1);
    let variants: RefCell<BTreeMap<String, u64>> = RefCell::default();
    let variant = |e: &dyn std::fmt::Debug| {
        let name: String = format!("{e:?}").chars().take_while(|c| c.is_alphanumeric()).collect();
        *variants.borrow_mut().entry(name).or_default() += 1;
    };
    let mut runner = TestRunner::new(crate::common::proptest_config(256));
    let result = runner.run(&strategy, |(choices, mutations, as_singleton)| {
        let pool = generate::pool(&mut Choices::new(&choices));
        let original = pool[0].build();
        let mut types = original.types().to_vec();
        let mut starts: Vec<usize> = original.rec_groups().map(|(start, _)| start.as_usize()).collect();
        if as_singleton {
            // Mutate one type of a registered copy, in engine form, and give
            // it to `TypeRegistry::register_type`.
            let registered = fx.registry.register_module(&original).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let Some(ty) = types.first() else { return Ok(()) };
            let mut ty = remap(ty, &mut |r| match r {
                TypeRef::Module(j) => shared_ref(registered.engine_type(j).unwrap()),
                other => other,
            });
            for &(what, a, b, c) in &mutations {
                match what % 4 {
                    0 => ty = remap(&ty, &mut |_| shared_ref(EngineTypeIndex::from_u32(c % 300))),
                    1 => ty.supertype = Some(shared_ref(EngineTypeIndex::from_u32(c % 300))),
                    _ => {
                        mutate_module(std::slice::from_mut(&mut ty), &mut vec![0], (what, a, b, c));
                    }
                }
            }
            let before = fx.snapshot();
            match fx.registry.register_type(ty) {
                Ok(new) => {
                    if let Some(TypeRef::Engine(sup)) = new.supertype {
                        prop_assert!(fx.registry.is_subtype(new.index(), sup));
                    }
                    count(2);
                }
                Err(e) => {
                    prop_assert!(!e.to_string().is_empty());
                    prop_assert_eq!(fx.snapshot(), before, "refused with {}", e);
                    match &e {
                        RegistryError::Type(e) => variant(e),
                        e => variant(e),
                    }
                    count(1);
                }
            }
            return Ok(());
        }
        for &mutation in &mutations {
            mutate_module(&mut types, &mut starts, mutation);
        }
        let mut builder = ModuleTypes::builder();
        for (g, &start) in starts.iter().enumerate() {
            let end = starts.get(g + 1).copied().unwrap_or(types.len());
            builder.rec_group(types[start..end].iter().cloned());
        }
        let module = match builder.build() {
            Ok(module) => module,
            Err(e) => {
                prop_assert!(!e.to_string().is_empty());
                variant(&e);
                count(0);
                return Ok(());
            }
        };
        // What builds registers: the builder refuses everything
        // registration would for a reason within the module, structural
        // supertype mismatches included.
        match fx.registry.register_module(&module) {
            Ok(types) => {
                drop(types);
                count(2);
            }
            Err(e) => prop_assert!(false, "built, but registration refused it: {}", e),
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    println!(
        "bad_input: {} mutated inputs: {} refused by validation, {} refused by the registry, {} accepted",
        outcomes.iter().map(Cell::get).sum::<u64>(),
        outcomes[0].get(),
        outcomes[1].get(),
        outcomes[2].get()
    );
    println!("bad_input: errors by variant: {:?}", variants.borrow());
    fx.finish();
}
