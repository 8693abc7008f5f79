//! Which proposals' types a run's inputs carried: exact references,
//! descriptor pairs, continuation types and shared types.
//!
//! A randomized test or fuzz target records each input it reads with a
//! [`Census`], and prints the census at the end, so that a run shows it was
//! not vacuous: a generator that stopped making descriptor pairs, or a
//! reader that stopped accepting them, shows as a count of zero.
//!
//! # Examples
//! ```
//! use wasm_type_registry::{ModuleTypes, SubType};
//! use wasm_type_shapes::census::{Census, ProposalUse};
//!
//! static CENSUS: Census = Census::new("example");
//! let mut builder = ModuleTypes::builder();
//! builder.sub_type(SubType::func([], []).into_shared());
//! let module = builder.build()?;
//! CENSUS.record(Some(ProposalUse::of_types(module.types())));
//! CENSUS.record(None);
//! assert_eq!(
//!     CENSUS.to_string(),
//!     "example: 2 inputs, 1 read; with exact references 0, descriptor pairs 0, continuations 0, shared types 1"
//! );
//! # Ok::<(), wasm_type_registry::RegistryError>(())
//! ```

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use wasm_type_registry::{CompositeType, HeapType, ModuleInfo, RefType, StorageType, SubType, ValType};

/// The proposals' type features one module uses.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ProposalUse {
    /// An exact reference `(ref (exact $t))` (custom descriptors).
    pub exact_refs: bool,
    /// A struct type with a `descriptor` clause, and so its descriptor
    /// (custom descriptors).
    pub descriptor_pairs: bool,
    /// A continuation type `(cont $ft)` (stack switching).
    pub continuations: bool,
    /// A shared composite type, a shared abstract heap type, or a shared
    /// table or global (shared-everything threads).
    pub shared: bool,
}

impl ProposalUse {
    /// What a module's types use.
    pub fn of_types(types: &[SubType]) -> Self {
        let mut uses = ProposalUse::default();
        for ty in types {
            uses.shared |= ty.shared;
            match &ty.composite {
                CompositeType::Func(f) => f.params.iter().chain(&f.results[..]).for_each(|v| uses.note_val(v)),
                CompositeType::Struct(s) => {
                    uses.descriptor_pairs |= s.descriptor.is_some();
                    s.fields.iter().for_each(|field| uses.note_storage(&field.storage));
                }
                CompositeType::Array(a) => uses.note_storage(&a.element.storage),
                CompositeType::Cont(_) => uses.continuations = true,
            }
        }
        uses
    }

    /// What a module uses in its types and in the types of its tables and
    /// globals (imported or defined).
    pub fn of_module(info: &ModuleInfo) -> Self {
        let mut uses = ProposalUse::of_types(info.types.types());
        for table in &info.tables {
            uses.shared |= table.shared;
            uses.note_ref(table.element);
        }
        for global in &info.globals {
            uses.shared |= global.shared;
            uses.note_val(&global.content);
        }
        uses
    }

    /// What either `self` or `other` uses: for an input of several
    /// modules.
    pub fn or(self, other: ProposalUse) -> ProposalUse {
        ProposalUse {
            exact_refs: self.exact_refs || other.exact_refs,
            descriptor_pairs: self.descriptor_pairs || other.descriptor_pairs,
            continuations: self.continuations || other.continuations,
            shared: self.shared || other.shared,
        }
    }

    fn note_storage(&mut self, storage: &StorageType) {
        if let StorageType::Val(v) = storage {
            self.note_val(v);
        }
    }

    fn note_val(&mut self, v: &ValType) {
        if let ValType::Ref(r) = v {
            self.note_ref(*r);
        }
    }

    fn note_ref(&mut self, r: RefType) {
        match r.heap_type {
            HeapType::Exact(_) => self.exact_refs = true,
            HeapType::SharedAbstract(_) => self.shared = true,
            HeapType::Abstract(_) | HeapType::Concrete(_) => {}
        }
    }
}

/// Counts, over a run, the inputs a target saw, how many it read as a
/// module, and how many of those carried each proposal's types. Safe to
/// record from several threads; its `Display` is one line.
#[derive(Debug)]
pub struct Census {
    name: &'static str,
    /// Inputs, inputs read, then one count per [`ProposalUse`] field.
    counts: [AtomicU64; 6],
}

impl Census {
    /// An empty census, labelled `name` (the target's or test's name).
    pub const fn new(name: &'static str) -> Self {
        Census { name, counts: [const { AtomicU64::new(0) }; 6] }
    }

    /// Counts one input: `None` if it was not read as a module (refused,
    /// or not a module at all), else what its module uses.
    pub fn record(&self, uses: Option<ProposalUse>) {
        // Relaxed: independent counters, read once the run is over.
        self.counts[0].fetch_add(1, Ordering::Relaxed);
        let Some(uses) = uses else { return };
        let ProposalUse { exact_refs, descriptor_pairs, continuations, shared } = uses;
        for (i, used) in [true, exact_refs, descriptor_pairs, continuations, shared].into_iter().enumerate() {
            self.counts[i + 1].fetch_add(u64::from(used), Ordering::Relaxed);
        }
    }

    /// Prints the census on standard error when the process exits through
    /// C's `exit` (as libFuzzer ends a run: `-max_total_time`, `-runs`);
    /// calling it again does nothing more. For a fuzz target, whose runner
    /// never returns to Rust.
    pub fn print_at_exit(&'static self) {
        let mut registered = AT_EXIT.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if registered.iter().any(|&census| std::ptr::eq(census, self)) {
            return;
        }
        if registered.is_empty() {
            // SAFETY: `atexit` asks only for a function that stays valid
            // until the process exits: `print_registered` is a plain
            // `extern "C" fn` of this binary, and a panic in it would abort
            // rather than unwind into C. If registration fails (it returns
            // non-zero), the census is simply not printed.
            unsafe { atexit(print_registered) };
        }
        registered.push(self);
    }

    /// The counts: inputs, inputs read, and inputs with exact references,
    /// descriptor pairs, continuations and shared types.
    pub fn counts(&self) -> [u64; 6] {
        self.counts.each_ref().map(|n| n.load(Ordering::Relaxed))
    }
}

/// The censuses [`Census::print_at_exit`] prints.
static AT_EXIT: Mutex<Vec<&'static Census>> = Mutex::new(Vec::new());

extern "C" {
    fn atexit(callback: extern "C" fn()) -> std::ffi::c_int;
}

extern "C" fn print_registered() {
    use std::io::Write;
    let registered = AT_EXIT.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    for census in registered.iter() {
        let _ = writeln!(std::io::stderr(), "census: {census}");
    }
}

impl fmt::Display for Census {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [inputs, read, exact, descriptors, continuations, shared] = self.counts();
        write!(
            f,
            "{}: {inputs} inputs, {read} read; with exact references {exact}, descriptor pairs {descriptors}, \
             continuations {continuations}, shared types {shared}",
            self.name
        )
    }
}
