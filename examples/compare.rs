//! Side-by-side comparison: every benchmark workload on this crate, the
//! global-lock design, Wasmtime 48 (built with `--features wasm-type-registry-bench/wasmtime`)
//! and the unsynchronized limit, at 1, 2, 4 and 8 threads; prints one table
//! of throughputs and ratios, the issue's targets, and memory under churn.
//!
//! ```text
//! cargo run --release --example compare                               # about a minute
//! cargo run --release --example compare --features wasm-type-registry-bench/wasmtime   # with Wasmtime
//! cargo run --release --example compare -- --reps 9 --ms 100          # longer, steadier
//! ```
//!
//! Each cell is the median of `--reps` repetitions of about `--ms`
//! milliseconds; within a repetition the comparators run one after the
//! other, so slow drifts of the machine hit all of them alike.

use std::collections::HashMap;
use std::io::Write;
use std::time::{Duration, Instant};

use wasm_type_registry::TypeRegistry;
use wasm_type_registry_bench::{
    churn_memory, ChurnMemory, Comparator, GlobalLockRegistry, Prepared, Workload, THREAD_COUNTS,
};

struct Options {
    reps: usize,
    target: Duration,
    threads: Vec<usize>,
    churn_ops: u64,
    /// Only workloads whose name contains this.
    only: Option<String>,
    /// Only this comparator.
    comparator: Option<String>,
    /// A fixed number of iterations instead of calibrated times (for
    /// profiling under callgrind, which needs a deterministic amount of work).
    fixed: Option<u64>,
    /// Only the churn memory report.
    churn_only: bool,
}

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
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < args.len() {
        let value = args.get(i + 1).cloned().unwrap_or_default();
        match args[i].as_str() {
            "--reps" => options.reps = value.parse().expect("--reps N"),
            "--ms" => options.target = Duration::from_millis(value.parse().expect("--ms N")),
            "--threads" => options.threads = value.split(',').map(|t| t.parse().expect("--threads 1,2")).collect(),
            "--churn" => options.churn_ops = value.parse().expect("--churn OPS_PER_THREAD"),
            "--only" => options.only = Some(value),
            "--comparator" => options.comparator = Some(value),
            "--fixed" => options.fixed = Some(value.parse().expect("--fixed ITERATIONS")),
            "--churn-only" => {
                options.churn_only = true;
                i += 1;
                continue;
            }
            // `cargo bench` passes `--bench` to every target; ignore it.
            "--bench" => {
                i += 1;
                continue;
            }
            other => {
                eprintln!(
                    "unknown argument {other}; options: --reps N, --ms N, --threads 1,2,4,8, --churn N, \
                     --only WORKLOAD_SUBSTRING, --comparator NAME, --fixed ITERATIONS, --churn-only"
                );
                std::process::exit(2);
            }
        }
        i += 2;
    }
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

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// Elements per second, median of the repetitions, per comparator.
type Row = HashMap<Comparator, f64>;

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
    prepared.iter().zip(samples).map(|((c, _), s)| (*c, median(s))).collect()
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

fn rate(value: Option<f64>) -> String {
    match value {
        Some(v) if v >= 1e6 => format!("{:.1}M", v / 1e6),
        Some(v) => format!("{:.0}k", v / 1e3),
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
    eprintln!(
        "compare: {} workloads x threads {:?}, {} reps of ~{} ms each; {cores} cores ({}); Wasmtime {}",
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
    if !options.churn_only {
        let results = measure_workloads(&options, started);
        print_table(&results, &options, cores);
        println!();
        print_targets(&results);
    }

    if !options.churn_only && (options.only.is_some() || options.comparator.is_some() || options.fixed.is_some()) {
        return;
    }
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
    eprintln!("compare: done in {:.1}s", started.elapsed().as_secs_f64());
    std::io::stdout().flush().ok();
}

/// Every selected workload at every thread count; progress on stderr.
fn measure_workloads(options: &Options, started: Instant) -> Vec<(Workload, usize, Row)> {
    let workloads: Vec<Workload> = Workload::ALL
        .into_iter()
        .filter(|w| options.only.as_ref().is_none_or(|only| w.name().contains(only.as_str())))
        .collect();
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
                prepared.iter().map(|(c, _)| format!("{} {}/s", c.name(), rate(row.get(c).copied()))).collect();
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
fn print_table(results: &[(Workload, usize, Row)], options: &Options, cores: usize) {
    println!();
    println!("Throughput in elements per second (median of {} reps); ratios are this crate / other.", options.reps);
    println!("Machine: {cores} cores, {}. `*`: more threads than cores (oversubscribed).", cpu_model());
    println!();
    println!(
        "| workload | threads | this crate | global lock | Wasmtime 48 | limit | / global lock | / Wasmtime | / limit |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for (workload, threads, row) in results {
        let get = |c| row.get(&c).copied();
        let mark = if *threads > cores { "*" } else { "" };
        println!(
            "| {} | {threads}{mark} | {} | {} | {} | {} | {} | {} | {} |",
            workload.name(),
            rate(get(Comparator::ThisCrate)),
            rate(get(Comparator::GlobalLock)),
            rate(get(Comparator::Wasmtime)),
            rate(get(Comparator::Limit)),
            ratio(get(Comparator::ThisCrate), get(Comparator::GlobalLock)),
            ratio(get(Comparator::ThisCrate), get(Comparator::Wasmtime)),
            ratio(get(Comparator::ThisCrate), get(Comparator::Limit)),
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
    use Comparator::{GlobalLock, Limit, ThisCrate, Wasmtime};
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
        results.iter().find(|(rw, rt, _)| *rw == w && *rt == t).and_then(|(_, _, row)| row.get(&c).copied())
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
