//! The embedder's logger is the one piece of foreign code the registry
//! calls (see `src/trace.rs`). This logger does the worst it can on every
//! record: it re-enters the registry (registers and drops a type) and then
//! panics. Every registry operation must still complete, and the registry
//! must end empty: a panic that escaped from the middle of an operation
//! would leave a registration count raised with no owner (a leak that
//! keeps `len()` above zero), and a log call made under a shard lock would
//! deadlock against the re-entrant registration.
//!
//! A logger can be installed once per process, hence a test binary of its
//! own.

use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::LazyLock;

use wasm_type_registry::*;

static REGISTRY: LazyLock<TypeRegistry> = LazyLock::new(TypeRegistry::new);
static RECORDS: AtomicU64 = AtomicU64::new(0);
const PANIC_MESSAGE: &str = "the hostile logger panics on every record";

thread_local! {
    static IN_LOGGER: Cell<bool> = const { Cell::new(false) };
}

/// The type both the logger and the test register: a group the logger may
/// re-enter while the test is inserting it.
fn logged_type() -> SubType {
    SubType::func([], [])
}

struct HostileLogger;

impl log::Log for HostileLogger {
    fn enabled(&self, _: &log::Metadata) -> bool {
        true
    }

    fn log(&self, _: &log::Record) {
        RECORDS.fetch_add(1, Ordering::Relaxed);
        if !IN_LOGGER.replace(true) {
            let ty = REGISTRY.register_type(logged_type()).expect("re-entrant registration");
            drop(ty);
            IN_LOGGER.set(false);
        }
        panic!("{PANIC_MESSAGE}");
    }

    fn flush(&self) {}
}

static LOGGER: HostileLogger = HostileLogger;

fn module() -> ModuleTypes {
    let mut builder = ModuleTypes::builder();
    let base = builder.sub_type(SubType::struct_(false, None, []));
    let field = FieldType {
        mutable: false,
        storage: StorageType::Val(ValType::Ref(RefType::concrete(true, TypeRef::Module(base)))),
    };
    let derived = builder.sub_type(SubType::struct_(true, Some(TypeRef::Module(base)), [field]));
    // Not in trampoline form: registers a trampoline type too.
    let param = ValType::Ref(RefType::concrete(false, TypeRef::Module(derived)));
    builder.sub_type(SubType::func([param], [ValType::I32]));
    builder.sub_type(logged_type());
    builder.build().unwrap()
}

#[test]
fn a_reentrant_panicking_logger_leaves_the_registry_consistent() {
    log::set_logger(&LOGGER).unwrap();
    log::set_max_level(log::LevelFilter::Trace);
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if info.payload().downcast_ref::<String>().map(String::as_str) != Some(PANIC_MESSAGE) {
            default_hook(info);
        }
    }));

    let module = module();
    std::thread::scope(|s| {
        let threads: Vec<_> = (0..2)
            .map(|_| {
                s.spawn(|| {
                    for _ in 0..200 {
                        let types = REGISTRY.register_module(&module).unwrap();
                        let derived = types.engine_types()[1];
                        let rooted = REGISTRY.root(derived).unwrap();
                        let again = rooted.clone();
                        let single = REGISTRY.register_type(logged_type()).unwrap();
                        assert!(REGISTRY.is_subtype(derived, types.engine_types()[0]));
                        assert_eq!(single.index(), types.engine_types()[3]);
                        drop((types, rooted, again, single));
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
    });

    assert!(RECORDS.load(Ordering::Relaxed) > 0, "the logger was never called");
    let stats = REGISTRY.stats();
    assert_eq!(REGISTRY.len(), 0, "{stats:?}");
    assert_eq!(stats.rec_groups, 0, "{stats:?}");
    assert_eq!(stats.free_slots, stats.slots_ever_used, "{stats:?}");
}
