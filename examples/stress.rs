//! The main job: several threads register, root, clone, subtype-check,
//! borrow and drop rec groups of realistic shapes for a few seconds, then
//! the registry must be empty. Prints operations per second.
//!
//! ```text
//! cargo run --release --example stress [-- --threads N --seconds S --seed X]
//! ```

use std::time::Duration;

use wasm_type_registry::TypeRegistry;
use wasm_type_shapes::workload::{self, Config, OPERATIONS};

fn main() {
    let mut config = Config {
        threads: std::thread::available_parallelism().map_or(4, |n| n.get().max(4)),
        duration: Duration::from_secs(3),
        max_ops_per_thread: u64::MAX,
        seed: 0x5eed,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().unwrap_or_else(|| usage(&format!("{flag} needs a value")));
        let number: u64 = value.parse().unwrap_or_else(|_| usage(&format!("{flag}: not a number: {value}")));
        match flag.as_str() {
            "--threads" => config.threads = number.max(1) as usize,
            "--seconds" => config.duration = Duration::from_secs(number),
            "--seed" => config.seed = number,
            _ => usage(&format!("unknown flag {flag}")),
        }
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "stress: {} threads on {cores} cores{} for {:?}, seed {:#x}",
        config.threads,
        if config.threads > cores { " (oversubscribed)" } else { "" },
        config.duration,
        config.seed
    );

    let registry = TypeRegistry::new();
    let report = workload::run(&registry, &config);
    let secs = report.elapsed.as_secs_f64();
    println!("{:<16} {:>12} {:>14}", "operation", "count", "ops/s");
    for (name, count) in OPERATIONS.iter().zip(report.counts) {
        println!("{name:<16} {count:>12} {:>14.0}", count as f64 / secs);
    }
    println!("{:<16} {:>12} {:>14.0}", "total", report.total(), report.total() as f64 / secs);

    let stats = registry.stats();
    println!("after all drops: {stats:?}");
    if !registry.is_empty() || stats.rec_groups != 0 || stats.free_slots != stats.slots_ever_used {
        eprintln!("FAILED: the registry is not empty after every handle was dropped");
        std::process::exit(1);
    }
    println!("ok: the registry is empty; {} indices were used and all are free for reuse", stats.slots_ever_used);
}

fn usage(problem: &str) -> ! {
    eprintln!("stress: {problem}\nusage: stress [--threads N] [--seconds S] [--seed X]");
    std::process::exit(2);
}
