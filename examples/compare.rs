//! Side-by-side comparison: every benchmark workload on this crate, the
//! global-lock design, the global lock with Wasmtime's per-store subtype
//! cache, Wasmtime 48 (built with `--features wasm-type-registry-bench/wasmtime`) and the
//! unsynchronized limit, at 1, 2, 4 and 8 threads; then tail latency under
//! churn and across registries (workload 7), heap bytes per type, and memory
//! under churn. Prints tables, ratios and the targets; `--json FILE` also
//! writes every measurement as JSON.
//!
//! ```text
//! cargo run --release --example compare                               # everything, shortened: about a minute
//! cargo run --release --example compare -- --json compare.json        # and every measurement as JSON
//! cargo run --release --example compare -- --quick                    # seconds: CI's smoke run
//! cargo run --release --example compare --features wasm-type-registry-bench/wasmtime   # with Wasmtime
//! cargo run --release --example compare -- --reps 9 --ms 100 --latency-ms 5000 --cross-reps 200  # longer, steadier
//! ```
//!
//! Each throughput cell is the median of `--reps` repetitions of about
//! `--ms` milliseconds; within a repetition the comparators run one after
//! the other, so slow drifts of the machine hit all of them alike.
//!
//! The binary installs [`CountingAllocator`] as its global allocator. It
//! counts only while the memory figures are taken (first, with no other
//! thread running); the rest of the run pays one load of a flag per
//! allocation, every comparator alike.

use std::collections::HashMap;
use std::io::Write;
use std::time::{Duration, Instant};

use wasm_type_registry::TypeRegistry;
use wasm_type_registry_bench::{
    churn_memory, latency_figures, memory_figures, to_json, ChurnMemory, Comparator, CountingAllocator,
    GlobalLockRegistry, JsonRow, LatencyFigure, MemoryFigure, MemoryShape, Prepared, Workload, CALLS_AFTER_DROP,
    THREAD_COUNTS,
};

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

struct Options {
    reps: usize,
    target: Duration,
    threads: Vec<usize>,
    churn_ops: u64,
    /// Only workloads and sections whose name contains this.
    only: Option<String>,
    /// Only this comparator (throughput only).
    comparator: Option<String>,
    /// A fixed number of iterations instead of calibrated times (for
    /// profiling under callgrind, which needs a deterministic amount of work).
    fixed: Option<u64>,
    /// Only the churn memory report.
    churn_only: bool,
    /// How long each latency case runs.
    latency: Duration,
    /// Repetitions of each cross-registry call.
    cross_reps: usize,
    /// Where to write the JSON rows.
    json: Option<String>,
    /// The tenancy section at CI size (`--quick`).
    quick: bool,
}

impl Options {
    /// Whether the section or workload `name` runs.
    fn selects(&self, name: &str) -> bool {
        let named = self.only.as_ref().is_none_or(|only| name.contains(only.as_str()));
        if name.starts_with("churn") {
            return self.churn_only || (named && self.comparator.is_none() && self.fixed.is_none());
        }
        // Latency and memory: not with a single comparator or fixed work.
        let plain = name.starts_with(|c: char| c.is_ascii_digit()) && !name.starts_with("7_");
        !self.churn_only && named && (plain || (self.comparator.is_none() && self.fixed.is_none()))
    }
}

const USAGE: &str = "options: --reps N, --ms N, --threads 1,2,4,8, --churn N, --only NAME_SUBSTRING (a workload, \
                     7_latency, memory, churn, tenancy), --comparator NAME, --fixed ITERATIONS, --churn-only, \
                     --latency-ms N, --cross-reps N, --json FILE, --quick";

fn options() -> Options {
    let mut options = Options {
        reps: 5,
        target: Duration::from_millis(40),
        threads: THREAD_COUNTS.to_vec(),
        churn_ops: 200_000,
        only: None,
        comparator: None,
        fixed: None,
        churn_only: false,
        latency: Duration::from_millis(1_000),
        cross_reps: 20,
        json: None,
        quick: false,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < args.len() {
        let value = args.get(i + 1).cloned().unwrap_or_default();
        let flag = |set: &mut Options| match args[i].as_str() {
            "--churn-only" => set.churn_only = true,
            // Every section, as briefly as still exercises it: CI's run.
            "--quick" => {
                set.reps = 1;
                set.target = Duration::from_millis(5);
                set.threads = vec![1, 2];
                set.churn_ops = 2_000;
                set.latency = Duration::from_millis(100);
                set.cross_reps = 3;
                set.quick = true;
            }
            // `cargo bench` passes `--bench` to every target; ignore it.
            _ => {}
        };
        match args[i].as_str() {
            "--reps" => options.reps = value.parse().expect("--reps N"),
            "--ms" => options.target = Duration::from_millis(value.parse().expect("--ms N")),
            "--threads" => options.threads = value.split(',').map(|t| t.parse().expect("--threads 1,2")).collect(),
            "--churn" => options.churn_ops = value.parse().expect("--churn OPS_PER_THREAD"),
            "--only" => options.only = Some(value),
            "--comparator" => options.comparator = Some(value),
            "--fixed" => options.fixed = Some(value.parse().expect("--fixed ITERATIONS")),
            "--latency-ms" => options.latency = Duration::from_millis(value.parse().expect("--latency-ms N")),
            "--cross-reps" => options.cross_reps = value.parse().expect("--cross-reps N"),
            "--json" => options.json = Some(value),
            "--churn-only" | "--quick" | "--bench" => {
                flag(&mut options);
                i += 1;
                continue;
            }
            other => {
                eprintln!("unknown argument {other}; {USAGE}");
                std::process::exit(2);
            }
        }
        i += 2;
    }
    options.reps = options.reps.max(1);
    options
}

/// Iterations that take about `target` of wall time on `threads` threads.
fn calibrate(prepared: &Prepared, threads: usize, target: Duration) -> u64 {
    let mut iters = 1u64;
    loop {
        let t0 = Instant::now();
        prepared.measure(threads, iters);
        let wall = t0.elapsed();
        if wall >= target / 8 || iters >= 1 << 40 {
            let scaled = iters as f64 * target.as_secs_f64() / wall.as_secs_f64().max(1e-9);
            return (scaled as u64).max(1);
        }
        iters *= 4;
    }
}

fn median(values: &[f64]) -> f64 {
    let mut values = values.to_vec();
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// Elements per second of every repetition, per comparator.
type Row = HashMap<Comparator, Vec<f64>>;

/// The median of a row's cell.
fn cell(row: &Row, comparator: Comparator) -> Option<f64> {
    row.get(&comparator).map(|samples| median(samples))
}

fn measure_row(prepared: &[(Comparator, Prepared)], threads: usize, options: &Options) -> Row {
    let iters: Vec<u64> =
        prepared.iter().map(|(_, p)| options.fixed.unwrap_or_else(|| calibrate(p, threads, options.target))).collect();
    let mut samples: Vec<Vec<f64>> = vec![Vec::new(); prepared.len()];
    for _ in 0..options.reps {
        for (k, (_, p)) in prepared.iter().enumerate() {
            let elapsed = p.measure(threads, iters[k]);
            let elements = (p.elements_per_iter * iters[k] * threads as u64) as f64;
            samples[k].push(elements / elapsed.as_secs_f64().max(1e-12));
        }
    }
    prepared.iter().zip(samples).map(|((c, _), s)| (*c, s)).collect()
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".to_string())
}

/// The 1, 5 and 15 minute load averages: how shared the machine was.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".to_string())
}

fn rate(value: Option<f64>) -> String {
    match value {
        Some(v) if v >= 1e6 => format!("{:.1}M", v / 1e6),
        Some(v) if v >= 1e4 => format!("{:.0}k", v / 1e3),
        Some(v) => format!("{v:.0}"),
        None => "-".to_string(),
    }
}

fn ratio(a: Option<f64>, b: Option<f64>) -> String {
    match (a, b) {
        (Some(a), Some(b)) => format!("{:.2}x", a / b),
        _ => "-".to_string(),
    }
}

fn main() {
    let options = options();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let started = Instant::now();
    let load_at_start = load_average();
    eprintln!(
        "compare: {} workloads x threads {:?}, {} reps of ~{} ms each; {cores} cores ({}, load {load_at_start}); \
         Wasmtime {}",
        Workload::ALL.len(),
        options.threads,
        options.reps,
        options.target.as_millis(),
        cpu_model(),
        if Workload::IsSubtype.comparators().contains(&Comparator::Wasmtime) {
            "included"
        } else {
            "not built (use --features wasm-type-registry-bench/wasmtime)"
        },
    );
    let mut json: Vec<JsonRow> = Vec::new();

    // Memory first: counting needs this thread alone, before any workload
    // has left threads or epoch garbage behind.
    let memory: Vec<MemoryFigure> = if options.selects("memory") {
        eprintln!("memory: heap bytes per type, counted by the global allocator ...");
        MemoryShape::ALL.into_iter().filter_map(memory_figures).flatten().collect()
    } else {
        Vec::new()
    };
    json.extend(memory.iter().map(JsonRow::memory));

    let results = measure_workloads(&options, started);
    for (workload, threads, row) in &results {
        let mut comparators: Vec<_> = row.keys().copied().collect();
        comparators.sort_by_key(|c| c.name());
        json.extend(comparators.into_iter().map(|c| JsonRow::throughput(*workload, *threads, c, &row[&c])));
    }
    if !results.is_empty() {
        print_table(&results, &options, cores, &load_at_start);
        println!();
        print_targets(&results);
    }

    if options.selects("7_latency") {
        eprintln!(
            "7_latency: {} ms per case and registry, cross-registry {} reps per call ...",
            options.latency.as_millis(),
            options.cross_reps
        );
        let figures = latency_figures(options.latency, options.cross_reps);
        // The churn rows ran two threads (the timed one and the churner).
        json.extend(figures.iter().map(|f| JsonRow::latency(f, if f.churn_cycles > 0 { 2 } else { 1 })));
        print_latency(&figures);
    }
    if !memory.is_empty() {
        print_memory(&memory);
    }
    if options.selects("tenancy") {
        print_tenancy(options.quick);
    }

    if options.selects("churn") {
        eprintln!("churn memory: {} fresh modules per thread on 2 threads, each registry ...", options.churn_ops);
        let ours = churn_memory::<TypeRegistry>(2, options.churn_ops);
        let theirs = churn_memory::<GlobalLockRegistry>(2, options.churn_ops);
        println!();
        println!("Churn (2 threads, fresh 3-group modules registered and dropped; RSS is the whole process's,");
        println!("after a warm-up of a tenth of the run, then after each quarter):");
        println!();
        println!(
            "| registry | operations | RSS after warm-up, 25%, 50%, 75%, 100% | slots before | slots after | types left |"
        );
        println!("|---|---|---|---|---|---|");
        for (name, m) in [("this crate", ours), ("global lock", theirs)] {
            print_churn(name, &m);
        }
    }
    if let Some(path) = &options.json {
        std::fs::write(path, to_json(&json)).unwrap_or_else(|e| panic!("writing {path}: {e}"));
        eprintln!("compare: {} measurements written to {path}", json.len());
    }
    eprintln!("compare: done in {:.1}s; load average {}", started.elapsed().as_secs_f64(), load_average());
    std::io::stdout().flush().ok();
}

/// Every selected workload at every thread count; progress on stderr.
fn measure_workloads(options: &Options, started: Instant) -> Vec<(Workload, usize, Row)> {
    let workloads: Vec<Workload> = Workload::ALL.into_iter().filter(|w| options.selects(w.name())).collect();
    let total = workloads.len() * options.threads.len();
    let mut done = 0;
    let mut results: Vec<(Workload, usize, Row)> = Vec::new();
    for workload in workloads {
        let prepared: Vec<(Comparator, Prepared)> = workload
            .comparators()
            .into_iter()
            .filter(|c| options.comparator.as_ref().is_none_or(|name| c.name() == name))
            .filter_map(|c| workload.prepare(c).map(|p| (c, p)))
            .collect();
        for &threads in &options.threads {
            let row = measure_row(&prepared, threads, options);
            done += 1;
            let summary: Vec<String> =
                prepared.iter().map(|(c, _)| format!("{} {}/s", c.name(), rate(cell(&row, *c)))).collect();
            eprintln!(
                "[{done:>2}/{total}] {:>6.1}s  {} x{threads}: {}",
                started.elapsed().as_secs_f64(),
                workload.name(),
                summary.join(", ")
            );
            results.push((workload, threads, row));
        }
    }
    results
}

/// The table of throughputs and ratios, on stdout.
fn print_table(results: &[(Workload, usize, Row)], options: &Options, cores: usize, load_at_start: &str) {
    use Comparator::{GlobalLock, GlobalLockCached, GlobalLockCachedMixed, Limit, ThisCrate, Wasmtime};
    println!();
    println!("Throughput in elements per second (median of {} reps); ratios are this crate / other.", options.reps);
    println!(
        "Machine: {cores} cores, {}; load average {load_at_start} at the start, {} now. `*`: more threads than \
         cores (oversubscribed).",
        cpu_model(),
        load_average()
    );
    println!();
    println!(
        "| workload | threads | this crate | global lock | global lock + cache | + cache, mixed hash | Wasmtime 48 | limit | \
         / global lock | / global lock + cache | / + cache, mixed hash | / Wasmtime | / limit |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    for (workload, threads, row) in results {
        let get = |c| cell(row, c);
        let mark = if *threads > cores { "*" } else { "" };
        println!(
            "| {} | {threads}{mark} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            workload.name(),
            rate(get(ThisCrate)),
            rate(get(GlobalLock)),
            rate(get(GlobalLockCached)),
            rate(get(GlobalLockCachedMixed)),
            rate(get(Wasmtime)),
            rate(get(Limit)),
            ratio(get(ThisCrate), get(GlobalLock)),
            ratio(get(ThisCrate), get(GlobalLockCached)),
            ratio(get(ThisCrate), get(GlobalLockCachedMixed)),
            ratio(get(ThisCrate), get(Wasmtime)),
            ratio(get(ThisCrate), get(Limit)),
        );
    }
}

fn ns(value: u64) -> String {
    match value {
        v if v >= 10_000_000 => format!("{:.1} ms", v as f64 / 1e6),
        v if v >= 10_000 => format!("{:.1} µs", v as f64 / 1e3),
        v => format!("{v} ns"),
    }
}

/// Workload 7's table, on stdout.
fn print_latency(figures: &[LatencyFigure]) {
    println!();
    println!("Latency of single calls (workload 7), timed one by one; `timer` is the clock's own cost.");
    println!("`churn`: another thread registers and drops an 8,497-type group in a loop (cycles: how many);");
    println!(
        "`after_other_registry_drop`: on registry B, right after registry A dropped such a group ({} root_drop \
         calls per round).",
        CALLS_AFTER_DROP
    );
    println!();
    println!("| workload | case | op | registry | calls | p50 | p99 | p99.9 | p99.99 | max | churn cycles |");
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    for f in figures {
        let p = f.percentiles;
        println!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            f.workload,
            f.case.name(),
            f.op.name(),
            f.comparator.name(),
            p.count,
            ns(p.p50_ns),
            ns(p.p99_ns),
            ns(p.p999_ns),
            ns(p.p9999_ns),
            ns(p.max_ns),
            f.churn_cycles
        );
    }
}

/// The memory figures, on stdout.
fn print_memory(figures: &[MemoryFigure]) {
    println!();
    println!("Heap bytes per live type (counting global allocator; registry tables, payloads and the");
    println!("returned collection), and per type what stays allocated after the module is dropped");
    println!("(index table and other tables that never shrink):");
    println!();
    println!("| shape | registry | live types | bytes per type | retained after drop, per type | empty registry |");
    println!("|---|---|---|---|---|---|");
    for f in figures {
        println!(
            "| {} | {} | {} | {:.0} | {:.1} | {} B |",
            f.shape.name(),
            f.comparator.name(),
            f.types,
            f.bytes_per_type(),
            f.retained_per_type(),
            f.empty_bytes
        );
    }
}

fn print_churn(name: &str, m: &ChurnMemory) {
    let rss: Vec<String> = m.rss.iter().map(|&b| format!("{:.1}", b as f64 / (1024.0 * 1024.0))).collect();
    println!(
        "| {name} | {} | {} MiB | {} | {} | {} |",
        m.operations,
        rss.join(", "),
        m.slots_before,
        m.slots_after,
        m.len_after
    );
}

/// One of the issue's targets: `numerator / denominator >= at_least`, each a
/// (workload, threads, comparator) cell of this run.
struct Target {
    what: String,
    numerator: (Workload, usize, Comparator),
    denominator: (Workload, usize, Comparator),
    at_least: f64,
}

fn targets() -> Vec<Target> {
    use Comparator::{GlobalLock, GlobalLockCached, Limit, ThisCrate, Wasmtime};
    use Workload::*;
    let target = |what: String, numerator, denominator, at_least| Target { what, numerator, denominator, at_least };
    let mut targets = vec![
        target(
            "is_subtype, 2 threads: this crate / global lock >= 5".into(),
            (IsSubtype, 2, ThisCrate),
            (IsSubtype, 2, GlobalLock),
            5.0,
        ),
        target(
            "is_subtype: this crate 2 threads / 1 thread >= 1.8".into(),
            (IsSubtype, 2, ThisCrate),
            (IsSubtype, 1, ThisCrate),
            1.8,
        ),
        target(
            "5_dart2wasm, 1 thread: re-registration (hit) / first registration >= 1".into(),
            (Dart2WasmHit, 1, ThisCrate),
            (Dart2WasmFirst, 1, ThisCrate),
            1.0,
        ),
    ];
    for t in [1, 2] {
        targets.push(target(
            format!("is_subtype, {t} thread(s): per call within 2x of the limit (this crate / limit >= 0.5)"),
            (IsSubtype, t, ThisCrate),
            (IsSubtype, t, Limit),
            0.5,
        ));
    }
    for w in [IsSubtypeSmall, IsSubtypeLarge, Request] {
        for t in [1, 2] {
            targets.push(target(
                format!("{}, {t} thread(s): this crate / global lock + cache >= 1", w.name()),
                (w, t, ThisCrate),
                (w, t, GlobalLockCached),
                1.0,
            ));
        }
    }
    for w in [RegisterHot, RegisterDisjointFunc, RegisterDisjointStruct] {
        for other in [GlobalLock, Wasmtime] {
            targets.push(target(
                format!("{}, 2 threads: this crate / {} >= 2", w.name(), other.name()),
                (w, 2, ThisCrate),
                (w, 2, other),
                2.0,
            ));
        }
    }
    for w in Workload::ALL {
        targets.push(target(
            format!("{}, 1 thread: this crate / global lock >= 0.8 (no slower than 1.25x)", w.name()),
            (w, 1, ThisCrate),
            (w, 1, GlobalLock),
            0.8,
        ));
    }
    targets
}

/// The issue's targets, checked against this run.
fn print_targets(results: &[(Workload, usize, Row)]) {
    let get = |(w, t, c): (Workload, usize, Comparator)| {
        results.iter().find(|(rw, rt, _)| *rw == w && *rt == t).and_then(|(_, _, row)| cell(row, c))
    };
    println!("Targets (from this run):");
    println!();
    for Target { what, numerator, denominator, at_least } in targets() {
        let value = get(numerator).zip(get(denominator)).map(|(a, b)| a / b);
        let verdict = match value {
            Some(v) if v >= at_least => "met",
            Some(_) => "MISSED",
            None => "not measured",
        };
        let value = value.map_or("-".to_string(), |v| format!("{v:.2}"));
        println!("- {verdict}: {what} (measured {value})");
    }
}

/// The tenancy section: what one tenant's work costs the others (see
/// `wasm_type_registry_bench::after_big_drop` and its neighbours).
fn print_tenancy(quick: bool) {
    use wasm_type_registry_bench::{
        after_big_drop, borrow_across_registries, heap_beside_long_closure, racing_data_calls, reader_beside_churn,
    };
    let (big, churn, hold) = if quick {
        (20_000, Duration::from_millis(200), Duration::from_millis(200))
    } else {
        (250_000, Duration::from_secs(10), Duration::from_secs(3))
    };
    eprintln!("tenancy: a {big}-type drop, registries per thread, a reader beside churn, a long closure ...");
    println!();
    println!("Tenancy (2 cores; every row but the last two side by side with the global-lock port):");
    println!();
    println!("| measurement | this crate | global lock |");
    println!("|---|---|---|");
    let (ours, theirs) = (after_big_drop::<TypeRegistry>(big, 200), after_big_drop::<GlobalLockRegistry>(big, 200));
    println!(
        "| another thread's one-type registration after a {big}-type drop: slowest / median of 200 (µs) | {:.0} / {:.1} | {:.0} / {:.1} |",
        ours.0, ours.1, theirs.0, theirs.1
    );
    for count in [1, 2, 4, 5, 16, 64] {
        println!(
            "| `borrow` rotating over {count} registries on one thread (ns) | {:.1} | {:.1} |",
            borrow_across_registries::<TypeRegistry>(count, 2_000_000),
            borrow_across_registries::<GlobalLockRegistry>(count, 2_000_000)
        );
    }
    for group in [63, 64] {
        let (ours, theirs) = (
            reader_beside_churn::<TypeRegistry>(group, churn),
            reader_beside_churn::<GlobalLockRegistry>(group, churn),
        );
        println!(
            "| `borrow` beside {group}-type churn for {:.1} s: calls ≥ 1 ms, slowest (µs) | {}, {:.0} | {}, {:.0} |",
            churn.as_secs_f64(),
            ours.0,
            ours.1,
            theirs.0,
            theirs.1
        );
    }
    if let Some(bytes) = heap_beside_long_closure(hold) {
        println!(
            "| heap above start while a {:.1} s `type_data` closure runs beside 100-type churn (MiB) | {:.1} | no data |",
            hold.as_secs_f64(),
            bytes as f64 / (1 << 20) as f64
        );
    }
    let (calls, types) = racing_data_calls(4);
    println!("| data-function calls, 4 threads registering the dart2wasm-like module at once | {calls} for {types} types | no data |");
}
