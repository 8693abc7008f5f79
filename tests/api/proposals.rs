//! The type features of the custom descriptors proposal (exact references,
//! `descriptor`/`describes` clauses, exact function imports), of stack
//! switching (continuation types, `cont`/`nocont`) and of shared-everything
//! threads (shared abstract heap types), end to end: read with
//! `from_wasm`, hash-consed across modules, answered by `is_subtype` and
//! `matches`, refused by the builder when invalid, printed, linked, and
//! freed when the last handle goes.

use wasm_type_registry::{
    AbstractHeapType, CompositeType, ContType, EngineTypeIndex, ExternType, HeapType, ImportRule, LinkError,
    ModuleInfo, ModuleTypes, RefType, RegistryError, StructType, SubType, TypeCollection, TypeError, TypeRef,
    TypeRegistry, ValType,
};

use crate::common::{field, wat};

fn module(types: &str) -> ModuleTypes {
    ModuleInfo::from_wasm(&wat(&format!("(module {types})"))).unwrap_or_else(|e| panic!("{types}: {e}")).types
}

/// `text`'s module registered twice, which must give the same indices, and
/// `other`'s once.
fn interned_twice_and_once(
    registry: &TypeRegistry,
    text: &str,
    other: &str,
) -> (TypeCollection, TypeCollection, TypeCollection) {
    let a = registry.register_module(&module(text)).unwrap();
    let b = registry.register_module(&module(text)).unwrap();
    assert_eq!(a.engine_types(), b.engine_types(), "{text}");
    (a, b, registry.register_module(&module(other)).unwrap())
}

fn shared(types: &TypeCollection, i: u32) -> EngineTypeIndex {
    types.engine_types()[i as usize]
}

fn reference(nullable: bool, heap_type: HeapType) -> RefType {
    RefType { nullable, heap_type }
}

fn concrete(index: EngineTypeIndex) -> HeapType {
    HeapType::Concrete(TypeRef::Engine(index))
}

fn exact(index: EngineTypeIndex) -> HeapType {
    HeapType::Exact(TypeRef::Engine(index))
}

fn abstract_(ty: AbstractHeapType) -> HeapType {
    HeapType::Abstract(ty)
}

#[test]
fn exactness_is_part_of_a_type_s_identity() {
    let registry = TypeRegistry::new();
    let exact_field = "(type $t (struct)) (type (struct (field (ref (exact $t)))))";
    let (a, b, inexact) =
        interned_twice_and_once(&registry, exact_field, "(type $t (struct)) (type (struct (field (ref $t))))");
    assert_eq!(shared(&a, 0), shared(&inexact, 0));
    assert_ne!(shared(&a, 1), shared(&inexact, 1));
    assert_eq!(registry.len(), 3);
    drop((a, b, inexact));
    assert!(registry.is_empty());
}

#[test]
fn exact_references_match_only_their_own_type() {
    let registry = TypeRegistry::new();
    let types =
        registry.register_module(&module("(type $a (sub (struct))) (type $b (sub $a (struct (field i32))))")).unwrap();
    let (a, b) = (shared(&types, 0), shared(&types, 1));
    let matches = |sub: RefType, sup: RefType| registry.matches(&sub, &sup).unwrap();

    assert!(matches(reference(false, exact(b)), reference(false, concrete(b))));
    assert!(matches(reference(false, exact(b)), reference(false, concrete(a))));
    assert!(matches(reference(false, exact(b)), reference(false, exact(b))));
    assert!(matches(reference(false, exact(b)), reference(true, abstract_(AbstractHeapType::Struct))));
    assert!(!matches(reference(false, exact(b)), reference(false, exact(a))), "a strict subtype is not exact");
    assert!(!matches(reference(false, concrete(b)), reference(false, exact(b))), "inexact below exact");
    assert!(!matches(reference(true, exact(b)), reference(false, exact(b))), "nullability still counts");
    // The hierarchy's bottom is below exact types, another one's is not.
    assert!(matches(reference(true, abstract_(AbstractHeapType::None)), reference(true, exact(a))));
    assert!(!matches(reference(true, abstract_(AbstractHeapType::NoFunc)), reference(true, exact(a))));
}

/// `(module (rec (type $t (descriptor $d) (struct)) (type $d (describes $t) (struct (field i32)))))`.
const PAIR: &str = "(rec (type $t (descriptor $d) (struct)) (type $d (describes $t) (struct (field i32))))";

#[test]
fn descriptor_clauses_are_part_of_a_type_s_identity() {
    let registry = TypeRegistry::new();
    let (a, b, plain) = interned_twice_and_once(&registry, PAIR, "(rec (type (struct)) (type (struct (field i32))))");
    assert_ne!(shared(&a, 0), shared(&plain, 0));
    assert_ne!(shared(&a, 1), shared(&plain, 1));
    // The runtime form names the partner by its engine index.
    let t = registry.borrow(shared(&a, 0)).unwrap();
    let CompositeType::Struct(s) = &t.composite else { panic!("{t}") };
    assert_eq!(s.descriptor, Some(TypeRef::Engine(shared(&a, 1))));
    assert_eq!(t.to_string(), format!("(descriptor engine:{}) (struct)", shared(&a, 1)));
    drop(t);
    drop((a, b, plain));
    assert!(registry.is_empty());
}

#[test]
fn descriptors_follow_the_supertype_s() {
    let registry = TypeRegistry::new();
    let types = registry
        .register_module(&module(
            "(rec (type $A (sub (descriptor $A.desc) (struct)))
                  (type $A.desc (sub (describes $A) (struct))))
             (rec (type $B (sub $A (descriptor $B.desc) (struct)))
                  (type $B.desc (sub $A.desc (describes $B) (struct))))",
        ))
        .unwrap();
    let [a, a_desc, b, b_desc] = [0, 1, 2, 3].map(|i| shared(&types, i));
    assert!(registry.is_subtype(b, a) && registry.is_subtype(b_desc, a_desc));
    let struct_of = |i| match registry.borrow(i).unwrap().composite.clone() {
        CompositeType::Struct(s) => s,
        other => panic!("{other}"),
    };
    assert!(registry.matches(&struct_of(b), &struct_of(a)).unwrap());
    // Without a descriptor, B's structure no longer matches A's, which has one.
    let bare = StructType::new([]);
    assert!(!registry.matches(&bare, &struct_of(a)).unwrap());
    assert!(registry.matches(&struct_of(b), &bare).unwrap(), "a subtype may add a descriptor");
}

#[test]
fn the_builder_refuses_misplaced_clauses_naming_the_problem() {
    let m = |i| TypeRef::Module(wasm_type_registry::ModuleTypeIndex::from_u32(i));
    let with = |descriptor: Option<u32>, describes: Option<u32>| SubType {
        shared: false,
        is_final: true,
        supertype: None,
        composite: CompositeType::Struct(StructType {
            fields: Box::new([]),
            descriptor: descriptor.map(m),
            describes: describes.map(m),
        }),
    };
    let open = |mut ty: SubType| {
        ty.is_final = false;
        ty
    };
    let cont = |f| SubType {
        shared: false,
        is_final: true,
        supertype: None,
        composite: CompositeType::Cont(ContType { func: m(f) }),
    };
    let array = SubType::array(true, None, field(false, ValType::I32));
    // (rec groups, the type refused, its clause, the problem)
    let cases: Vec<(Vec<Vec<SubType>>, u32, &str, &str)> = vec![
        (vec![vec![with(None, None)], vec![with(Some(0), None)]], 1, "descriptor", "outside the rec group"),
        (vec![vec![with(None, None)], vec![with(None, Some(0))]], 1, "describes", "outside the rec group"),
        (vec![vec![with(Some(1), None), array.clone()]], 0, "descriptor", "not a struct type"),
        (vec![vec![with(Some(1), None), with(None, None)]], 0, "descriptor", "does not describe this type"),
        (vec![vec![with(None, None), with(None, Some(0))]], 1, "describes", "does not name this type"),
        (vec![vec![with(None, Some(1)), with(Some(0), None)]], 0, "describes", "not defined before"),
        (vec![vec![array, with(None, Some(0))]], 1, "describes", "not a struct type"),
        (vec![vec![SubType::func([], []), cont(0)], vec![cont(1)]], 2, "cont", "not a function type"),
        (vec![vec![with(Some(1), None), open(with(None, Some(0)))]], 1, "describes", "differ in finality"),
    ];
    for (groups, want_type, want_clause, want_problem) in cases {
        let mut builder = ModuleTypes::builder();
        for group in &groups {
            builder.rec_group(group.clone());
        }
        let err = builder.build().unwrap_err();
        match &err {
            TypeError::InvalidTypeClause { type_index, clause, problem, .. } => {
                assert_eq!((*type_index, *clause), (want_type, want_clause), "{err}");
                assert!(problem.contains(want_problem), "{err}");
                assert!(err.to_string().starts_with(&format!("type {want_type}: ({want_clause} ")), "{err}");
            }
            other => panic!("{groups:?}: expected InvalidTypeClause, got {other:?}"),
        }
    }

    // A supertype's descriptor must be matched by the subtype's.
    let mut builder = ModuleTypes::builder();
    builder.rec_group([open(with(Some(1), None)), open(with(None, Some(0)))]);
    builder.sub_type(SubType::struct_(true, Some(m(0)), []));
    let err = builder.build().unwrap_err();
    assert!(matches!(&err, TypeError::SupertypeMismatch { type_index: 2, detail } if detail.contains("descriptor")));

    // A singleton can hold neither half of a pair, nor a continuation of
    // itself; the registry stays as it was.
    let registry = TypeRegistry::new();
    let keep = registry.register_type(SubType::func([], [])).unwrap();
    let before = registry.stats();
    let self_described = SubType {
        shared: false,
        is_final: true,
        supertype: None,
        composite: CompositeType::Struct(StructType {
            fields: Box::new([]),
            descriptor: Some(TypeRef::Engine(keep.index())),
            describes: None,
        }),
    };
    let err = registry.register_type(self_described).unwrap_err();
    assert!(matches!(err, RegistryError::Type(TypeError::InvalidTypeClause { clause: "descriptor", .. })), "{err}");
    let self_cont = SubType {
        shared: false,
        is_final: true,
        supertype: None,
        composite: CompositeType::Cont(ContType { func: TypeRef::RecGroup(0) }),
    };
    let err = registry.register_type(self_cont).unwrap_err();
    assert!(matches!(err, RegistryError::Type(TypeError::InvalidTypeClause { clause: "cont", .. })), "{err}");
    assert_eq!(registry.stats(), before);
}

#[test]
fn continuation_types_intern_by_their_function_type() {
    let registry = TypeRegistry::new();
    let text = "(type $f (func (param i32))) (type $c (cont $f))";
    let (a, b, other) = interned_twice_and_once(&registry, text, "(type $f (func (param i64))) (type $c (cont $f))");
    assert_ne!(shared(&a, 1), shared(&other, 1));
    let c = registry.borrow(shared(&a, 1)).unwrap();
    assert_eq!(c.composite, CompositeType::Cont(ContType { func: TypeRef::Engine(shared(&a, 0)) }));
    assert_eq!(c.to_string(), format!("(cont engine:{})", shared(&a, 0)));
    drop(c);
    drop((a, b, other));
    assert!(registry.is_empty());
}

#[test]
fn continuation_subtyping_follows_the_function_types() {
    let registry = TypeRegistry::new();
    let types = registry
        .register_module(&module(
            "(type $f1 (sub (func (param i32))))
             (type $f2 (sub $f1 (func (param i32))))
             (type $c1 (sub (cont $f1)))
             (type $c2 (sub $c1 (cont $f2)))",
        ))
        .unwrap();
    let [f1, f2, c1, c2] = [0, 1, 2, 3].map(|i| shared(&types, i));
    assert!(registry.is_subtype(c2, c1) && !registry.is_subtype(c1, c2));
    let cont = |func| ContType { func: TypeRef::Engine(func) };
    assert!(registry.matches(&cont(f2), &cont(f1)).unwrap());
    assert!(!registry.matches(&cont(f1), &cont(f2)).unwrap());

    let matches = |sub: RefType, sup: RefType| registry.matches(&sub, &sup).unwrap();
    let contref = reference(true, abstract_(AbstractHeapType::Cont));
    assert!(matches(reference(false, concrete(c1)), contref));
    assert!(!matches(reference(false, concrete(c1)), reference(true, abstract_(AbstractHeapType::Func))));
    assert!(!matches(reference(false, concrete(f1)), contref), "a function is not a continuation");
    assert!(matches(reference(true, abstract_(AbstractHeapType::NoCont)), reference(true, concrete(c1))));
    assert!(!matches(reference(true, abstract_(AbstractHeapType::NoFunc)), reference(true, concrete(c1))));
    assert!(matches(reference(true, abstract_(AbstractHeapType::NoCont)), contref));

    // A continuation whose function type does not match its supertype's.
    let err = ModuleInfo::from_wasm(&wat("(module (type $f1 (sub (func (param i32)))) (type $g (func (param i64)))
                 (type $c1 (sub (cont $f1))) (type $c2 (sub $c1 (cont $g))))"))
    .unwrap_err();
    assert!(matches!(err, RegistryError::InvalidTypeSection { type_index: 3, .. }), "{err}");
}

/// Registered types whose only reference to another group is an exact
/// reference or a continuation's function type keep that group alive.
#[test]
fn exact_and_continuation_references_keep_their_targets_alive() {
    let registry = TypeRegistry::new();
    let exact_field =
        |index| SubType::struct_(true, None, [field(false, ValType::Ref(reference(false, exact(index))))]);
    let cont = |index| SubType {
        shared: false,
        is_final: true,
        supertype: None,
        composite: CompositeType::Cont(ContType { func: TypeRef::Engine(index) }),
    };
    let holders: [&dyn Fn(EngineTypeIndex) -> SubType; 2] = [&exact_field, &cont];
    for holder in holders {
        let target = registry.register_type(SubType::func([ValType::I32], [])).unwrap();
        let index = target.index();
        let holder = registry.register_type(holder(index)).unwrap();
        drop(target);
        assert!(registry.borrow(index).is_some(), "{} lets its target go", *holder);
        drop(holder);
        assert!(registry.is_empty());
    }
}

#[test]
fn trampolines_erase_exactness_and_continuations_widen_to_contref() {
    let registry = TypeRegistry::new();
    let types = registry
        .register_module(&module(
            "(type $s (struct)) (type $f (func)) (type $c (cont $f))
             (type (func (param (ref (exact $s))) (result (ref $c))))",
        ))
        .unwrap();
    let trampoline = registry.borrow(registry.trampoline_type(shared(&types, 3))).unwrap();
    let top = |h| ValType::Ref(RefType::nullable(h));
    assert_eq!(*trampoline, SubType::func([top(AbstractHeapType::Any)], [top(AbstractHeapType::Cont)]));
    assert_eq!(trampoline.to_string(), "(func (param anyref) (result contref))");
}

#[test]
fn exact_function_imports_need_exactly_the_type() {
    let bytes = wat(r#"(module (type $super (sub (func))) (type $sub (sub $super (func)))
             (import "" "exact" (func (exact (type $super))))
             (import "" "inexact" (func (type $super))))"#);
    let info = ModuleInfo::from_wasm(&bytes).unwrap();
    let super_ = TypeRef::Module(wasm_type_registry::ModuleTypeIndex::from_u32(0));
    assert_eq!(info.imports[0].ty, ExternType::FuncExact(super_));
    assert_eq!(info.imports[1].ty, ExternType::Func(super_));
    assert_eq!(info.imports[0].ty.to_string(), "(func (exact (type 0)))");

    let registry = TypeRegistry::new();
    let types = registry.register_module(&info.types).unwrap();
    let (sup, sub) = (shared(&types, 0), shared(&types, 1));
    let export = ExternType::FuncExact(TypeRef::Engine(sub));
    registry.check_import(&export, &ExternType::Func(TypeRef::Engine(sup))).unwrap();
    registry.check_import(&export, &ExternType::FuncExact(TypeRef::Engine(sub))).unwrap();
    let err = registry.check_import(&export, &ExternType::FuncExact(TypeRef::Engine(sup))).unwrap_err();
    match &err {
        LinkError::IncompatibleImport { rule, import, .. } => {
            assert_eq!(*rule, ImportRule::FuncExact);
            assert!(import.starts_with(&format!("(func (exact (type engine:{sup})")), "{err}");
        }
        other => panic!("expected IncompatibleImport, got {other:?}"),
    }
}

/// Exports are typed as wasmparser types them: a function the module
/// defines, or imports exactly, is exported exactly; a re-export of an
/// inexact import is not, and an exact import refuses it although its type
/// is the very one asked for. Each verdict is checked against wasmparser's
/// own linking of the same modules (a component instantiating one core
/// module with the other's instance).
#[test]
fn exact_imports_refuse_re_exports_of_inexact_imports() {
    let provider = r#"(type $t (func))
             (import "host" "f" (func $imported (type $t)))
             (import "host" "g" (func $imported_exactly (exact (type $t))))
             (func $defined (type $t))
             (export "reexport" (func $imported)) (export "reexport_exact" (func $imported_exactly))
             (export "defined" (func $defined))"#;
    let info = ModuleInfo::from_wasm(&wat(&format!("(module {provider})"))).unwrap();
    let t = TypeRef::Module(wasm_type_registry::ModuleTypeIndex::from_u32(0));
    let exported = |name: &str| info.exports.iter().find(|e| e.name == name).unwrap().ty;
    assert_eq!(exported("reexport"), ExternType::Func(t));
    assert_eq!(exported("reexport_exact"), ExternType::FuncExact(t));
    assert_eq!(exported("defined"), ExternType::FuncExact(t));
    assert_eq!(exported("defined").to_string(), "(func (exact (type 0)))");

    let registry = TypeRegistry::new();
    let types = registry.register_module(&info.types).unwrap();
    let shared_export = |name| types.engine_extern_type(&exported(name)).unwrap();
    let exact_import = ExternType::FuncExact(TypeRef::Engine(shared(&types, 0)));
    let inexact_import = ExternType::Func(TypeRef::Engine(shared(&types, 0)));
    for (name, exact_ok) in [("reexport", false), ("reexport_exact", true), ("defined", true)] {
        registry.check_import(&shared_export(name), &inexact_import).unwrap();
        let verdict = registry.check_import(&shared_export(name), &exact_import);
        assert_eq!(verdict.is_ok(), exact_ok, "{name}: {verdict:?}");
        assert_eq!(wasmparser_links_exactly(provider, name), exact_ok, "wasmparser disagrees on {name}");
        if let Err(LinkError::IncompatibleImport { rule, .. }) = verdict {
            assert_eq!(rule, ImportRule::FuncExactExport);
        }
    }
}

/// Whether wasmparser accepts a component that instantiates `provider`
/// (the module text, its imports from a host core instance) and then a
/// module that imports `provider`'s export `name` with the exact type
/// `(func)`, from `provider`'s instance itself (a core instance built from
/// exports would type every function inexactly).
fn wasmparser_links_exactly(provider: &str, name: &str) -> bool {
    let component = wat(&format!(
        r#"(component
             (core module $host (type $t (func)) (func (export "f") (type $t)) (func (export "g") (type $t)))
             (core module $provider {provider})
             (core module $importer (type $t (func)) (import "p" "{name}" (func (exact (type $t)))))
             (core instance $host (instantiate $host))
             (core instance $provider (instantiate $provider (with "host" (instance $host))))
             (core instance (instantiate $importer (with "p" (instance $provider)))))"#
    ));
    let features = ModuleTypes::WASM_FEATURES | wasmparser::WasmFeatures::COMPONENT_MODEL;
    wasmparser::Validator::new_with_features(features).validate_all(&component).is_ok()
}

/// What prints reads back, through the text format, as the same types.
#[test]
fn printed_types_read_back_as_themselves() {
    let original = module(
        "(type $f (func)) (type (cont $f))
         (rec (type $t (sub (descriptor $d) (struct (field (ref null (exact $t))))))
              (type $d (sub (describes $t) (struct))))
         (type (func (param contref nullcontref (ref null (exact $f)) (ref (shared eq)))))",
    );
    let printed = original.to_string();
    assert!(printed.contains("(cont 0)") && printed.contains("(describes 2)"), "{printed}");
    assert!(printed.contains("(ref null (exact 2))") && printed.contains("nullcontref"), "{printed}");
    assert!(printed.contains("(ref (shared eq))"), "{printed}");
    assert_eq!(module(&printed), original, "{printed}");
}

fn shared_abstract(ty: AbstractHeapType) -> HeapType {
    HeapType::SharedAbstract(ty)
}

#[test]
fn shared_abstract_types_form_hierarchies_of_their_own() {
    let registry = TypeRegistry::new();
    let shared_param = "(type (func (param (ref null (shared any))))) (type $s (struct))";
    let (a, b, unshared) =
        interned_twice_and_once(&registry, shared_param, "(type (func (param anyref))) (type $s (struct))");
    assert_ne!(shared(&a, 0), shared(&unshared, 0));
    assert_eq!(registry.borrow(shared(&a, 0)).unwrap().to_string(), "(func (param (ref null (shared any))))");

    let s = shared(&a, 1);
    let matches = |sub: HeapType, sup: HeapType| registry.matches(&sub, &sup).unwrap();
    use AbstractHeapType::{Any, Eq, Func, NoFunc, None, Struct};
    assert!(matches(shared_abstract(None), shared_abstract(Eq)));
    assert!(matches(shared_abstract(Eq), shared_abstract(Any)));
    assert!(matches(shared_abstract(NoFunc), shared_abstract(Func)));
    assert!(!matches(shared_abstract(Func), shared_abstract(Any)));
    assert!(!matches(shared_abstract(Any), abstract_(Any)), "shared and unshared never mix");
    assert!(!matches(abstract_(None), shared_abstract(Any)));
    assert!(!matches(concrete(s), shared_abstract(Struct)), "an unshared struct is not a shared one");
    assert!(!matches(shared_abstract(None), concrete(s)));
    assert!(!matches(shared_abstract(None), exact(s)));
    drop((a, b, unshared));
    assert!(registry.is_empty());
}

#[test]
fn shared_abstract_trampolines_stay_shared() {
    let registry = TypeRegistry::new();
    let types = registry
        .register_module(&module(
            "(type (func (param (ref (shared eq))) (result (ref null (shared nofunc)))))
             (type (func (param (ref null (shared any))) (result (ref null (shared func)))))",
        ))
        .unwrap();
    let trampoline = registry.trampoline_type(shared(&types, 0));
    assert_eq!(trampoline, shared(&types, 1), "the second type is the first's trampoline");
    assert_eq!(registry.trampoline_type(trampoline), trampoline, "and its own");
}

/// `matches` on reference types against wasmparser's validator, over every
/// heap type the three proposals add (shared concrete types included): for every pair, wasmparser accepts
/// `(func (param A) (result B) (local.get 0))` exactly when the registry
/// says `A` matches `B`.
#[test]
fn reference_type_matching_agrees_with_wasmparser() {
    const TYPES: &str = "(type $s (sub (struct))) (type $s2 (sub $s (struct (field i32)))) (type $a (array i8)) \
                         (type $f (sub (func))) (type $f2 (sub $f (func))) \
                         (type $c (sub (cont $f))) (type $c2 (sub $c (cont $f2))) \
                         (rec (type $t (descriptor $d) (struct)) (type $d (describes $t) (struct))) \
                         (type $ss (sub (shared (struct)))) (type $ss2 (sub $ss (shared (struct (field i32))))) \
                         (type $sa (shared (array i8))) (type $sf (shared (func))) (type $sc (shared (cont $sf)))";
    const NAMES: [&str; 14] =
        ["$s", "$s2", "$a", "$f", "$f2", "$c", "$c2", "$t", "$d", "$ss", "$ss2", "$sa", "$sf", "$sc"];
    use AbstractHeapType::*;
    let abstract_types = [Func, NoFunc, Extern, NoExtern, Any, Eq, I31, Struct, Array, None, Exn, NoExn, Cont, NoCont];
    let registry = TypeRegistry::new();
    let types = registry.register_module(&module(TYPES)).unwrap();
    let mut heap_types: Vec<(HeapType, String)> = Vec::new();
    for h in abstract_types {
        heap_types.push((abstract_(h), h.to_string()));
        heap_types.push((shared_abstract(h), format!("(shared {h})")));
    }
    for (i, name) in NAMES.into_iter().enumerate() {
        heap_types.push((concrete(shared(&types, i as u32)), name.to_string()));
        heap_types.push((exact(shared(&types, i as u32)), format!("(exact {name})")));
    }
    let ref_types: Vec<(RefType, String)> = heap_types
        .iter()
        .flat_map(|(heap_type, text)| {
            [true, false].map(|nullable| {
                (reference(nullable, *heap_type), format!("(ref {}{text})", if nullable { "null " } else { "" }))
            })
        })
        .collect();
    let features = ModuleTypes::WASM_FEATURES;
    // One module with a function per pair, each body validated on its
    // own: the module's other sections are valid, so a body fails exactly
    // when `local.get 0` does not match the result type.
    let mut text = format!("(module {TYPES}");
    for (_, a_text) in &ref_types {
        for (_, b_text) in &ref_types {
            text.push_str(&format!(" (func (param {a_text}) (result {b_text}) (local.get 0))"));
        }
    }
    let bytes = wat(&(text + ")"));
    let mut validator = wasmparser::Validator::new_with_features(features);
    let mut verdicts = Vec::with_capacity(ref_types.len() * ref_types.len());
    for payload in wasmparser::Parser::new(0).parse_all(&bytes) {
        if let wasmparser::ValidPayload::Func(func, body) = validator.payload(&payload.unwrap()).unwrap() {
            verdicts.push(func.into_validator(Default::default()).validate(&body).is_ok());
        }
    }
    assert_eq!(verdicts.len(), ref_types.len() * ref_types.len(), "a verdict for every pair");
    let pairs = ref_types.iter().flat_map(|a| ref_types.iter().map(move |b| (a, b)));
    let (mut matches, mut mismatches) = (0, Vec::new());
    for (((a, a_text), (b, b_text)), oracle) in pairs.zip(verdicts) {
        let ours = registry.matches(a, b).unwrap();
        if ours != oracle {
            mismatches.push(format!("{a_text} <: {b_text}: wasmparser {oracle}, registry {ours}"));
        }
        matches += usize::from(oracle);
    }
    assert!(mismatches.is_empty(), "{} disagreements:\n{}", mismatches.len(), mismatches.join("\n"));
    // Not vacuous: both answers occur often.
    let pairs = ref_types.len() * ref_types.len();
    assert!(matches > 300 && pairs - matches > 300, "{matches} of {pairs} pairs match");
}
