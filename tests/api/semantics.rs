//! The reference design's semantics, one test per rule of Wasmtime's registry, and
//! regression tests named after the Wasmtime bugs they pin.

use wasm_type_registry::*;

use crate::common::field;

fn module_ref(nullable: bool, i: u32) -> ValType {
    ValType::Ref(RefType::concrete(nullable, TypeRef::Module(ModuleTypeIndex::from_u32(i))))
}

fn shared_ref(nullable: bool, i: EngineTypeIndex) -> ValType {
    ValType::Ref(RefType::concrete(nullable, TypeRef::Engine(i)))
}

fn m(i: u32) -> ModuleTypeIndex {
    ModuleTypeIndex::from_u32(i)
}

/// A module of one rec group.
fn one_group(types: Vec<SubType>) -> ModuleTypes {
    let mut b = ModuleTypes::builder();
    b.rec_group(types);
    b.build().unwrap()
}

/// (rec (struct (field (ref null 1))) (struct (field (ref null 0)))), with
/// `padding` unrelated types before it so module indices differ.
fn ping_pong(padding: u32) -> ModuleTypes {
    let mut b = ModuleTypes::builder();
    for i in 0..padding {
        b.sub_type(SubType::func(vec![ValType::I32; i as usize + 3], []));
    }
    let s = padding;
    b.rec_group([
        SubType::struct_(true, None, [field(false, module_ref(true, s + 1))]),
        SubType::struct_(true, None, [field(false, module_ref(true, s))]),
    ]);
    b.build().unwrap()
}

#[test]
fn equal_rec_groups_from_different_modules_share_indices() {
    let registry = TypeRegistry::new();
    let a = registry.register_module(&ping_pong(0)).unwrap();
    let b = registry.register_module(&ping_pong(5)).unwrap();
    assert_eq!(a.engine_type(m(0)), b.engine_type(m(5)));
    assert_eq!(a.engine_type(m(1)), b.engine_type(m(6)));
    assert_ne!(a.engine_type(m(0)), a.engine_type(m(1)));
    assert_eq!(registry.len(), 2 + 5 /* padding funcs */);
}

#[test]
fn every_structural_difference_makes_a_different_group() {
    let base = || SubType::struct_(false, None, [field(false, ValType::I32), field(false, module_ref(true, 0))]);
    let variants: Vec<Vec<SubType>> = vec![
        vec![base()],
        // finality
        vec![SubType { is_final: true, ..base() }],
        // field mutability
        vec![SubType::struct_(
            false,
            None,
            [FieldType { mutable: true, storage: StorageType::Val(ValType::I32) }, field(false, module_ref(true, 0))],
        )],
        // field type
        vec![SubType::struct_(false, None, [field(false, ValType::I64), field(false, module_ref(true, 0))])],
        // nullability
        vec![SubType::struct_(false, None, [field(false, ValType::I32), field(false, module_ref(false, 0))])],
        // packed storage
        vec![SubType::struct_(
            false,
            None,
            [FieldType { mutable: false, storage: StorageType::I8 }, field(false, module_ref(true, 0))],
        )],
        // group size and order
        vec![base(), SubType::func([], [])],
        vec![
            SubType::func([], []),
            SubType::struct_(false, None, [field(false, ValType::I32), field(false, module_ref(true, 1))]),
        ],
        // rec-group-relative reference target
        vec![
            SubType::struct_(false, None, [field(false, ValType::I32), field(false, module_ref(true, 1))]),
            SubType::func([], []),
        ],
        // params vs results
        vec![SubType::func([ValType::I32], [])],
        vec![SubType::func([], [ValType::I32])],
    ];
    let registry = TypeRegistry::new();
    let collections: Vec<TypeCollection> =
        variants.into_iter().map(|g| registry.register_module(&one_group(g)).unwrap()).collect();
    let mut firsts: Vec<EngineTypeIndex> = collections.iter().map(|c| c.engine_type(m(0)).unwrap()).collect();
    firsts.sort();
    firsts.dedup();
    assert_eq!(firsts.len(), collections.len(), "each variant must be a distinct type");
}

#[test]
fn supertypes_distinguish_otherwise_equal_types() {
    let registry = TypeRegistry::new();
    let mut b = ModuleTypes::builder();
    let root = b.sub_type(SubType::struct_(false, None, []));
    b.sub_type(SubType::struct_(false, Some(TypeRef::Module(root)), []));
    b.sub_type(SubType::struct_(false, None, []));
    let c = registry.register_module(&b.build().unwrap()).unwrap();
    assert_ne!(c.engine_type(m(1)), c.engine_type(m(0)));
    assert_eq!(c.engine_type(m(2)), c.engine_type(m(0)), "identical singleton groups are one type");
}

#[test]
fn issue_9714_types_in_one_rec_group_are_never_equal() {
    // Two structurally identical types inside one rec group are distinct
    // types, and neither is a subtype of the other.
    let registry = TypeRegistry::new();
    let c = registry
        .register_module(&one_group(vec![SubType::struct_(false, None, []), SubType::struct_(false, None, [])]))
        .unwrap();
    let (a, b) = (c.engine_type(m(0)).unwrap(), c.engine_type(m(1)).unwrap());
    assert_ne!(a, b);
    assert!(!registry.is_subtype(a, b));
    assert!(!registry.is_subtype(b, a));
}

#[test]
fn is_subtype_follows_declared_chains_only() {
    let registry = TypeRegistry::new();
    let mut b = ModuleTypes::builder();
    let a = b.sub_type(SubType::struct_(false, None, []));
    let bb = b.sub_type(SubType::struct_(false, Some(TypeRef::Module(a)), [field(false, ValType::I32)]));
    let c = b.sub_type(SubType::struct_(
        false,
        Some(TypeRef::Module(bb)),
        [field(false, ValType::I32), field(false, ValType::I64)],
    ));
    let sibling = b.sub_type(SubType::struct_(false, Some(TypeRef::Module(a)), [field(false, ValType::F32)]));
    let coll = registry.register_module(&b.build().unwrap()).unwrap();
    let s = |i: ModuleTypeIndex| coll.engine_type(i).unwrap();
    assert!(registry.is_subtype(s(c), s(a)));
    assert!(registry.is_subtype(s(c), s(bb)));
    assert!(registry.is_subtype(s(bb), s(a)));
    assert!(registry.is_subtype(s(c), s(c)));
    assert!(!registry.is_subtype(s(a), s(c)));
    assert!(!registry.is_subtype(s(sibling), s(bb)));
    assert!(!registry.is_subtype(s(c), s(sibling)));
    // Indices nobody registered: no panic, no subtyping.
    let never = EngineTypeIndex::from_u32(4_000_000);
    assert!(!registry.is_subtype(s(c), never));
    assert!(!registry.is_subtype(never, s(a)));
    assert!(registry.borrow(never).is_none());
    assert!(registry.root(never).is_none());
    assert_eq!(registry.trampoline_type(never), never);
}

#[test]
fn borrow_returns_runtime_form() {
    let registry = TypeRegistry::new();
    let c = registry.register_module(&ping_pong(2)).unwrap();
    let (a, b) = (c.engine_type(m(2)).unwrap(), c.engine_type(m(3)).unwrap());
    let ty = registry.borrow(a).unwrap();
    assert_eq!(*ty, SubType::struct_(true, None, [field(false, shared_ref(true, b))]));
}

#[test]
fn references_across_groups_keep_the_referenced_group_alive() {
    let registry = TypeRegistry::new();
    let mut b = ModuleTypes::builder();
    let target = b.sub_type(SubType::struct_(true, None, [field(false, ValType::F64)]));
    let user = b.sub_type(SubType::struct_(true, None, [field(false, module_ref(false, target.as_u32()))]));
    let coll = registry.register_module(&b.build().unwrap()).unwrap();
    let (target, user) = (coll.engine_type(target).unwrap(), coll.engine_type(user).unwrap());
    let handle = registry.root(user).unwrap();
    drop(coll);
    assert!(registry.borrow(target).is_some(), "the user's group holds the target");
    assert_eq!(registry.len(), 2);
    drop(handle);
    assert!(registry.borrow(target).is_none());
    assert!(registry.is_empty());
}

#[test]
fn long_reference_chains_unregister_without_recursion() {
    // Each group references the previous one; dropping the last handle must
    // unregister the whole chain through the worklist, on a small stack.
    const LEN: u32 = 20_000;
    let registry = TypeRegistry::new();
    let mut b = ModuleTypes::builder();
    b.sub_type(SubType::struct_(true, None, []));
    for i in 1..LEN {
        b.sub_type(SubType::struct_(true, None, [field(false, module_ref(true, i - 1))]));
    }
    let coll = registry.register_module(&b.build().unwrap()).unwrap();
    let last = registry.root(coll.engine_type(m(LEN - 1)).unwrap()).unwrap();
    drop(coll);
    assert_eq!(registry.len(), LEN as usize);
    std::thread::Builder::new().stack_size(64 * 1024).spawn(move || drop(last)).unwrap().join().unwrap();
    assert!(registry.is_empty());
    assert_eq!(registry.stats().rec_groups, 0);
}

#[test]
fn pr_10435_reused_indices_need_not_be_contiguous() {
    let registry = TypeRegistry::new();
    // Occupy indices 0..6, then free 1, 3 and 5 so the free list is 5, 3, 1.
    let singles: Vec<RegisteredType> =
        (0..6).map(|i| registry.register_type(SubType::func(vec![ValType::F64; i], [])).unwrap()).collect();
    let mut kept = Vec::new();
    for (i, t) in singles.into_iter().enumerate() {
        if i % 2 == 0 {
            kept.push(t);
        }
    }
    // A three-type group whose types reference each other.
    let c = registry
        .register_module(&one_group(vec![
            SubType::struct_(false, None, [field(false, module_ref(true, 2))]),
            SubType::struct_(false, Some(TypeRef::Module(m(0))), [field(false, module_ref(true, 2))]),
            SubType::array(true, None, field(false, module_ref(true, 1))),
        ]))
        .unwrap();
    let idx: Vec<EngineTypeIndex> = c.engine_types().to_vec();
    let contiguous = idx.windows(2).all(|w| w[1].as_u32() == w[0].as_u32() + 1);
    assert!(!contiguous, "the test needs non-contiguous indices, got {idx:?}");
    // Every intra-group reference points at the index actually reserved.
    assert_eq!(
        *registry.borrow(idx[0]).unwrap(),
        SubType::struct_(false, None, [field(false, shared_ref(true, idx[2]))])
    );
    assert_eq!(
        *registry.borrow(idx[1]).unwrap(),
        SubType::struct_(false, Some(TypeRef::Engine(idx[0])), [field(false, shared_ref(true, idx[2]))])
    );
    assert_eq!(*registry.borrow(idx[2]).unwrap(), SubType::array(true, None, field(false, shared_ref(true, idx[1]))));
    assert!(registry.is_subtype(idx[1], idx[0]));
    drop((c, kept));
    assert!(registry.is_empty());
}

#[test]
fn freed_indices_are_reused() {
    let registry = TypeRegistry::new();
    for round in 0..100 {
        let t = registry.register_type(SubType::func(vec![ValType::I32; round % 7], [])).unwrap();
        drop(t);
    }
    let stats = registry.stats();
    assert_eq!(stats.slots_ever_used, 1, "one index, reused every round: {stats:?}");
    assert_eq!(stats.free_slots, 1);
}

fn anyref() -> ValType {
    ValType::Ref(RefType::nullable(AbstractHeapType::Any))
}

#[test]
fn pr_9446_a_function_type_in_trampoline_form_is_its_own_trampoline_only_if_final_without_supertype() {
    let registry = TypeRegistry::new();
    let own = registry.register_type(SubType::func([ValType::I32, anyref()], [ValType::F64])).unwrap();
    assert_eq!(registry.trampoline_type(own.index()), own.index());
    assert_eq!(registry.len(), 1);

    // Same signature, but open for subtyping: a separate, final trampoline.
    let open = registry
        .register_type(SubType { is_final: false, ..SubType::func([ValType::I32, anyref()], [ValType::F64]) })
        .unwrap();
    let t = registry.trampoline_type(open.index());
    assert_ne!(t, open.index());
    assert_eq!(t, own.index(), "the trampoline type is the final signature, already registered");

    // A subtype of `open`: also not its own trampoline, same trampoline type.
    let sub = registry
        .register_type(SubType {
            supertype: Some(TypeRef::Engine(open.index())),
            ..SubType::func([ValType::I32, anyref()], [ValType::F64])
        })
        .unwrap();
    assert!(registry.is_subtype(sub.index(), open.index()));
    assert_eq!(registry.trampoline_type(sub.index()), own.index());
}

#[test]
fn trampoline_types_widen_references_and_live_as_long_as_their_users() {
    let registry = TypeRegistry::new();
    let s = registry.register_type(SubType::struct_(true, None, [])).unwrap();
    let f = registry
        .register_type(SubType::func(
            [shared_ref(false, s.index())],
            [ValType::Ref(RefType { nullable: false, heap_type: HeapType::Abstract(AbstractHeapType::NoFunc) })],
        ))
        .unwrap();
    let t = registry.trampoline_type(f.index());
    assert_ne!(t, f.index());
    assert_eq!(
        *registry.borrow(t).unwrap(),
        SubType::func([anyref()], [ValType::Ref(RefType::nullable(AbstractHeapType::Func))]),
        "(ref $struct) widens to (ref null any), (ref nofunc) to (ref null func)"
    );
    assert_eq!(registry.len(), 3);
    // A second function type with the same trampoline type shares it.
    let g = registry
        .register_type(SubType::func([anyref()], [ValType::Ref(RefType::nullable(AbstractHeapType::NoFunc))]))
        .unwrap();
    assert_eq!(registry.trampoline_type(g.index()), t);
    drop(f);
    assert!(registry.borrow(t).is_some(), "g still keeps the trampoline type");
    drop(g);
    assert!(registry.borrow(t).is_none(), "the trampoline type goes with its last user");
    drop(s);
    assert!(registry.is_empty());
}

#[test]
fn type_collections_map_engine_trampolines_to_module_types() {
    let registry = TypeRegistry::new();
    let mut b = ModuleTypes::builder();
    let s = b.sub_type(SubType::struct_(true, None, []));
    let f = b.sub_type(SubType::func([module_ref(true, s.as_u32())], []));
    let own = b.sub_type(SubType::func([ValType::I64], []));
    let c = registry.register_module(&b.build().unwrap()).unwrap();
    let f_trampoline = registry.trampoline_type(c.engine_type(f).unwrap());
    assert_eq!(c.module_trampoline_type(f_trampoline), Some(f));
    assert_eq!(c.module_trampoline_type(c.engine_type(own).unwrap()), Some(own));
    assert_eq!(c.module_trampoline_type(c.engine_type(s).unwrap()), None);
}

#[test]
fn ghsa_7qmx_3fpx_r45m_reregistration_during_unregistration_unregisters_once() {
    // Two threads race the last drop of a group against its re-registration,
    // thousands of times. Debug builds assert inside the registry that no
    // entry is dismantled twice; here every registration must resolve, and
    // the registry must end empty with every index free.
    let registry = TypeRegistry::new();
    let module = ping_pong(0);
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                for _ in 0..3_000 {
                    let c = registry.register_module(&module).unwrap();
                    let a = c.engine_type(m(0)).unwrap();
                    let b = c.engine_type(m(1)).unwrap();
                    assert_eq!(
                        *registry.borrow(a).unwrap(),
                        SubType::struct_(true, None, [field(false, shared_ref(true, b))])
                    );
                    drop(c);
                }
            });
        }
    });
    let stats = registry.stats();
    assert_eq!((stats.registered_types, stats.rec_groups), (0, 0), "{stats:?}");
    assert_eq!(stats.free_slots, stats.slots_ever_used);
}

#[test]
fn root_never_revives_a_dead_type() {
    let registry = TypeRegistry::new();
    let t = registry.register_type(SubType::array(false, None, field(false, ValType::I32))).unwrap();
    let index = t.index();
    let again = registry.root(index).unwrap();
    assert_eq!(t, again);
    drop(t);
    assert!(registry.borrow(index).is_some(), "a root handle keeps the type registered");
    drop(again);
    assert!(registry.root(index).is_none());
    assert!(registry.is_empty());
}

#[test]
fn registered_type_equality_is_by_registry_and_index() {
    let (r1, r2) = (TypeRegistry::new(), TypeRegistry::new());
    let ty = SubType::func([ValType::I32], []);
    let a = r1.register_type(ty.clone()).unwrap();
    let b = r2.register_type(ty.clone()).unwrap();
    assert_eq!(a.index(), b.index());
    assert_ne!(a, b, "same index in different registries");
    let a2 = r1.register_type(ty).unwrap();
    assert_eq!(a, a2);
    // Hash and Eq use only the registry's address and the index, never the
    // handle's interior-mutable registration count.
    #[allow(clippy::mutable_key_type)]
    let set: std::collections::HashSet<RegisteredType> = [a.clone(), a2, b].into_iter().collect();
    assert_eq!(set.len(), 2);
    assert!(a.registry().borrow(a.index()).is_some());
}

#[test]
fn registered_type_new_refuses_module_indices_and_dead_shared_indices() {
    let registry = TypeRegistry::new();
    let keep = registry.register_type(SubType::struct_(false, None, [])).unwrap();
    let before = registry.stats();

    let err = registry.register_type(SubType::struct_(true, None, [field(false, module_ref(true, 0))])).unwrap_err();
    assert!(
        matches!(err, RegistryError::Type(TypeError::WrongIndexSpace { site: Some(RefSite::Field(0)), .. })),
        "{err}"
    );
    assert!(err.to_string().contains("index space"), "{err}");
    // The error names where in the type the bad reference sits.
    assert!(err.to_string().starts_with("type 0, field 0: reference"), "{err}");

    let dead = EngineTypeIndex::from_u32(77);
    let fields = [field(false, ValType::I32), field(false, shared_ref(true, dead))];
    let err = registry.register_type(SubType::struct_(true, None, fields)).unwrap_err();
    assert_eq!(
        err,
        RegistryError::Type(TypeError::UnregisteredEngineIndex { index: dead, referrer: Some((0, RefSite::Field(1))) })
    );
    assert!(err.to_string().contains("77"), "{err}");
    assert!(err.to_string().starts_with("type 0, field 1: "), "{err}");

    // Structure that does not match the declared supertype.
    let err = registry
        .register_type(SubType::array(true, Some(TypeRef::Engine(keep.index())), field(false, ValType::I32)))
        .unwrap_err();
    assert!(matches!(err, RegistryError::Type(TypeError::SupertypeKindMismatch { .. })), "{err}");

    assert_eq!(registry.stats(), before, "failed registrations leave the registry unchanged");
    // A self-recursive singleton through RecGroup(0) is fine.
    let list = registry
        .register_type(SubType::struct_(
            true,
            None,
            [field(false, ValType::Ref(RefType::concrete(true, TypeRef::RecGroup(0))))],
        ))
        .unwrap();
    assert_eq!(
        *registry.borrow(list.index()).unwrap(),
        SubType::struct_(true, None, [field(false, shared_ref(true, list.index()))])
    );
}

#[test]
fn a_subtype_whose_structure_does_not_match_does_not_build() {
    let mut b = ModuleTypes::builder();
    b.sub_type(SubType::struct_(true, None, [field(false, ValType::F32)]));
    let sup = b.sub_type(SubType::struct_(false, None, [field(false, ValType::I32)]));
    // A subtype whose field is not a subtype of the supertype's field: the
    // builder refuses it, so registration never sees it. (Registration's
    // rollback after a refused group is tested inside the crate, in
    // src/module.rs, with a module that skipped the builder's checks.)
    b.sub_type(SubType::struct_(true, Some(TypeRef::Module(sup)), [field(false, ValType::I64)]));
    let err = b.build().unwrap_err();
    assert!(matches!(err, TypeError::SupertypeMismatch { type_index: 2, .. }), "{err}");
    assert_eq!(err.to_string(), "type 2: does not match its declared supertype: field 0: i64 does not match i32");
}

#[test]
fn validation_errors_are_type_errors_from_build_and_registry_errors_from_registration() {
    let registry = TypeRegistry::new();
    // Building a module and registering it: the builder's `TypeError`
    // converts with `?`.
    let build_and_register = |ty: SubType| -> Result<TypeCollection, RegistryError> {
        let mut builder = ModuleTypes::builder();
        builder.sub_type(ty);
        let module = builder.build()?;
        registry.register_module(&module)
    };
    let refused = |ty: SubType| -> TypeError {
        // The builder fails only validation, and says so in its type.
        let mut builder = ModuleTypes::builder();
        builder.sub_type(ty.clone());
        let built: TypeError = builder.build().unwrap_err();
        let _: &dyn std::error::Error = &built;
        // Registration can fail in other ways too: the same refusal comes
        // as `RegistryError::Type`, with the same message.
        let registered: RegistryError = registry.register_type(ty.clone()).unwrap_err();
        assert_eq!(registered, RegistryError::Type(built.clone()));
        assert_eq!(registered.to_string(), built.to_string());
        assert_eq!(RegistryError::from(built.clone()), registered);
        assert_eq!(build_and_register(ty).err(), Some(registered));
        built
    };
    // Over a JS-API limit.
    let err = refused(SubType::func(vec![ValType::I32; MAX_PARAMS + 1], []));
    assert!(matches!(err, TypeError::LimitExceeded { what: "params", type_index: 0, .. }), "{err:?}");
    // A shared type that mentions an unshared one.
    let funcref = ValType::Ref(RefType::nullable(AbstractHeapType::Func));
    let err = refused(SubType::func([funcref], []).into_shared());
    assert!(matches!(err, TypeError::SharednessMismatch { type_index: 0, site: RefSite::Param(0), .. }), "{err:?}");
    assert!(registry.is_empty());
}

#[test]
fn equivalent_types_of_one_module_are_one_type_to_the_builder() {
    // $a and $b are equivalent (equal singleton groups), so a field of type
    // (ref $b) matches a supertype's field of type (ref $a), even mutable:
    // registration would give them one engine index.
    let mut b = ModuleTypes::builder();
    let a = b.sub_type(SubType::struct_(true, None, [field(false, ValType::I32)]));
    let bb = b.sub_type(SubType::struct_(true, None, [field(false, ValType::I32)]));
    let mut_ref = |t| field(true, ValType::Ref(RefType::concrete(true, TypeRef::Module(t))));
    let sup = b.sub_type(SubType::struct_(false, None, [mut_ref(a)]));
    b.sub_type(SubType::struct_(true, Some(TypeRef::Module(sup)), [mut_ref(bb)]));
    let module = b.build().unwrap();
    let registry = TypeRegistry::new();
    let types = registry.register_module(&module).unwrap();
    assert_eq!(types.engine_type(a), types.engine_type(bb));
    // A mutable field of a *different* type does not match.
    let mut b = ModuleTypes::builder();
    let a = b.sub_type(SubType::struct_(false, None, [field(false, ValType::I32)]));
    let sub_a = b.sub_type(SubType::struct_(true, Some(TypeRef::Module(a)), [field(false, ValType::I32)]));
    let sup = b.sub_type(SubType::struct_(false, None, [mut_ref(a)]));
    b.sub_type(SubType::struct_(true, Some(TypeRef::Module(sup)), [mut_ref(sub_a)]));
    let err = b.build().unwrap_err();
    assert!(matches!(err, TypeError::SupertypeMismatch { type_index: 3, .. }), "{err}");
    assert!(err.to_string().contains("field 0: (mut (ref null 1)) does not match (mut (ref null 0))"), "{err}");
}

#[test]
fn fresh_and_emptied_registries_report_zero() {
    let registry = TypeRegistry::new();
    assert_eq!(registry.len(), 0);
    assert!(registry.is_empty());
    let clone = registry.clone();
    let c = clone.register_module(&ping_pong(3)).unwrap();
    assert_eq!(registry.len(), 5, "clones share one registry");
    drop(c);
    assert_eq!(registry.len(), 0);
    assert_eq!(registry.stats().rec_groups, 0);
}

#[test]
fn is_subtype_is_exact_along_the_deepest_allowed_chain() {
    // Depths 0..=63: the first ancestors come from each slot's inline
    // display, the deep ones from the published supertype array.
    let registry = TypeRegistry::new();
    let mut b = ModuleTypes::builder();
    let mut chain = vec![b.sub_type(SubType::struct_(false, None, []))];
    for depth in 1..=MAX_SUBTYPING_DEPTH {
        let sup = *chain.last().unwrap();
        chain.push(b.sub_type(SubType::struct_(
            false,
            Some(TypeRef::Module(sup)),
            vec![field(false, ValType::I32); depth],
        )));
    }
    // A sibling at every depth: shares the ancestors, is no one's subtype.
    let siblings: Vec<_> = chain[..MAX_SUBTYPING_DEPTH]
        .iter()
        .enumerate()
        .map(|(depth, &sup)| {
            let mut fields = vec![field(false, ValType::I32); depth];
            fields.push(field(false, ValType::F32));
            b.sub_type(SubType::struct_(false, Some(TypeRef::Module(sup)), fields))
        })
        .collect();
    let coll = registry.register_module(&b.build().unwrap()).unwrap();
    let s = |i: ModuleTypeIndex| coll.engine_type(i).unwrap();
    for (i, &sub) in chain.iter().enumerate() {
        for (j, &sup) in chain.iter().enumerate() {
            assert_eq!(registry.is_subtype(s(sub), s(sup)), i >= j, "depth {i} <: depth {j}");
        }
        for (j, &sibling) in siblings.iter().enumerate() {
            assert_eq!(registry.is_subtype(s(sibling), s(sub)), i <= j, "sibling at depth {} <: depth {i}", j + 1);
            assert!(!registry.is_subtype(s(sub), s(sibling)));
        }
    }
    // One more level is refused.
    let err = registry
        .register_type(SubType::struct_(
            false,
            Some(TypeRef::Engine(s(chain[MAX_SUBTYPING_DEPTH]))),
            vec![field(false, ValType::I32); 64],
        ))
        .unwrap_err();
    assert!(matches!(err, RegistryError::Type(TypeError::SubtypingDepthExceeded { .. })), "{err}");
}

/// Supertype chains that branch anywhere, inside one rec group and from a
/// later group into it: every type's supertypes are the walk up its
/// declared supertypes, and `is_subtype` answers exactly along it, however
/// the chains share their storage. Each type has one mutable field whose
/// type alternates, by depth, between two equivalent types, so the module
/// builder checks the groups with the module's types hash-consed.
#[test]
fn branching_chains_answer_along_the_walk_up() {
    let mut b = ModuleTypes::builder();
    let a = b.sub_type(SubType::struct_(true, None, []));
    let a_twin = b.sub_type(SubType::struct_(true, None, []));
    let mutable_ref = |depth: usize| {
        let target = if depth.is_multiple_of(2) { a } else { a_twin };
        field(true, ValType::Ref(RefType::concrete(true, TypeRef::Module(target))))
    };
    // Type k's supertype (an index into `parents`, which covers both
    // groups) and depth; the first group is a random tree of depth up to
    // 63, the second group's types subtype the first's, several the same.
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next = |bound: usize| {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (seed >> 33) as usize % bound
    };
    let mut parents: Vec<Option<usize>> = Vec::new();
    let mut depths: Vec<usize> = Vec::new();
    for k in 0..700 {
        let parent = match k {
            0 => None,
            // A run to the deepest depth first, then anywhere above it.
            1..=63 => Some(k - 1),
            _ => {
                let mut p = next(k.min(600));
                while depths[p] >= MAX_SUBTYPING_DEPTH {
                    p /= 2;
                }
                Some(p)
            }
        };
        depths.push(parent.map_or(0, |p| depths[p] + 1));
        parents.push(parent);
    }
    let first = b.next_index().as_u32();
    let group = |range: std::ops::Range<usize>| -> Vec<SubType> {
        range
            .map(|k| {
                let supertype = parents[k].map(|p| TypeRef::Module(ModuleTypeIndex::from_u32(first + p as u32)));
                SubType::struct_(false, supertype, [mutable_ref(depths[k])])
            })
            .collect()
    };
    b.rec_group(group(0..600));
    b.rec_group(group(600..700));
    let coll = registry_of_module(&mut b);
    let (registry, coll) = (&coll.0, &coll.1);
    let s = |k: usize| coll.engine_type(ModuleTypeIndex::from_u32(first + k as u32)).unwrap();
    for k in 0..parents.len() {
        let mut walk = Vec::new();
        let mut current = parents[k];
        while let Some(p) = current {
            walk.push(s(p));
            current = parents[p];
        }
        walk.reverse();
        assert_eq!(registry.supertypes(s(k)).unwrap(), walk, "type {k}");
        assert!(walk.iter().all(|&ancestor| registry.is_subtype(s(k), ancestor)), "type {k}");
        for other in [next(parents.len()), next(parents.len())] {
            assert_eq!(registry.is_subtype(s(k), s(other)), other == k || walk.contains(&s(other)), "{k} <: {other}");
        }
    }
}

/// Builds the module and registers it in a new registry.
fn registry_of_module(builder: &mut ModuleTypesBuilder) -> (TypeRegistry, TypeCollection) {
    let module = std::mem::take(builder).build().expect("a valid module");
    let registry = TypeRegistry::new();
    let coll = registry.register_module(&module).expect("registers");
    (registry, coll)
}
