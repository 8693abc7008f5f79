//! Machine-readable output: every measurement as one flat JSON object, so
//! that performance can be tracked from run to run (`compare --json FILE`).
//!
//! Every row has `workload`, `threads` and `comparator`; throughput rows add
//! `ops_per_sec` (the median of the repetitions) and `spread` (max / min of
//! the repetitions); latency rows `op`, `case`, `count`, `p50_ns`, `p99_ns`,
//! `p999_ns`, `p9999_ns`, `max_ns`; memory rows (`workload` = `memory`)
//! `shape`, `types`, `bytes_per_type` and `retained_bytes_per_type` (the
//! index table's and other never-shrinking tables' share).

use std::fmt::Write;

use crate::latency::LatencyFigure;
use crate::memory::MemoryFigure;
use crate::workloads::{Comparator, Workload};

/// One value of a row.
#[derive(Clone, Debug, PartialEq)]
pub enum JsonValue {
    /// A string.
    Str(String),
    /// A number (non-finite ones are written as `null`).
    Num(f64),
}

/// One measurement: a flat JSON object, keys in insertion order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct JsonRow(pub Vec<(&'static str, JsonValue)>);

impl JsonRow {
    fn new(workload: &str, threads: usize, comparator: Comparator) -> Self {
        JsonRow(Vec::new())
            .str("workload", workload)
            .num("threads", threads as f64)
            .str("comparator", comparator.name())
    }

    fn str(mut self, key: &'static str, value: &str) -> Self {
        self.0.push((key, JsonValue::Str(value.to_string())));
        self
    }

    fn num(mut self, key: &'static str, value: f64) -> Self {
        self.0.push((key, JsonValue::Num(value)));
        self
    }

    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<&JsonValue> {
        self.0.iter().find(|(k, _)| *k == key).map(|(_, v)| v)
    }

    /// A throughput measurement: `ops_per_sec` is the median of `samples`
    /// (elements per second), `spread` their max / min.
    pub fn throughput(workload: Workload, threads: usize, comparator: Comparator, samples: &[f64]) -> Self {
        let mut sorted = samples.to_vec();
        sorted.sort_by(f64::total_cmp);
        let median = sorted.get(sorted.len() / 2).copied().unwrap_or(f64::NAN);
        let spread = match (sorted.first(), sorted.last()) {
            (Some(&min), Some(&max)) if min > 0.0 => max / min,
            _ => f64::NAN,
        };
        JsonRow::new(workload.name(), threads, comparator)
            .num("ops_per_sec", median)
            .num("spread", spread)
            .num("reps", samples.len() as f64)
    }

    /// A latency figure; `threads` counts the churn thread.
    pub fn latency(figure: &LatencyFigure, threads: usize) -> Self {
        let p = figure.percentiles;
        JsonRow::new(figure.workload, threads, figure.comparator)
            .str("op", figure.op.name())
            .str("case", figure.case.name())
            .num("count", p.count as f64)
            .num("p50_ns", p.p50_ns as f64)
            .num("p99_ns", p.p99_ns as f64)
            .num("p999_ns", p.p999_ns as f64)
            .num("p9999_ns", p.p9999_ns as f64)
            .num("max_ns", p.max_ns as f64)
            .num("churn_cycles", figure.churn_cycles as f64)
    }

    /// A memory figure.
    pub fn memory(figure: &MemoryFigure) -> Self {
        JsonRow::new("memory", 1, figure.comparator)
            .str("shape", figure.shape.name())
            .num("types", figure.types as f64)
            .num("bytes_per_type", figure.bytes_per_type())
            .num("retained_bytes_per_type", figure.retained_per_type())
            .num("empty_registry_bytes", figure.empty_bytes as f64)
    }
}

fn write_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// `rows` as one JSON array of flat objects, one row per line.
pub fn to_json(rows: &[JsonRow]) -> String {
    let mut out = String::from("[\n");
    for (i, row) in rows.iter().enumerate() {
        out.push_str("  {");
        for (k, (key, value)) in row.0.iter().enumerate() {
            if k > 0 {
                out.push_str(", ");
            }
            write_string(&mut out, key);
            out.push_str(": ");
            match value {
                JsonValue::Str(s) => write_string(&mut out, s),
                JsonValue::Num(n) if n.is_finite() => {
                    let _ = write!(out, "{n}");
                }
                JsonValue::Num(_) => out.push_str("null"),
            }
        }
        out.push('}');
        out.push_str(if i + 1 < rows.len() { ",\n" } else { "\n" });
    }
    out.push(']');
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::latency::{LatencyCase, LatencyOp, Percentiles, LATENCY_WORKLOAD};
    use crate::memory::MemoryShape;

    fn parse(json: &str) -> Vec<serde_json::Map<String, serde_json::Value>> {
        let value: serde_json::Value = serde_json::from_str(json).expect("valid JSON");
        value.as_array().expect("one array").iter().map(|row| row.as_object().expect("flat objects").clone()).collect()
    }

    #[test]
    fn rows_have_the_schema_the_trackers_read() {
        let latency = LatencyFigure {
            workload: LATENCY_WORKLOAD,
            comparator: Comparator::GlobalLock,
            case: LatencyCase::Churn,
            op: LatencyOp::RootDrop,
            percentiles: Percentiles {
                count: 9,
                p50_ns: 40,
                p99_ns: 900,
                p999_ns: 5_000,
                p9999_ns: 7_000,
                max_ns: 8_000,
            },
            churn_cycles: 3,
        };
        let memory = MemoryFigure {
            comparator: Comparator::ThisCrate,
            shape: MemoryShape::Dart2Wasm,
            types: 100,
            empty_bytes: 10,
            live_bytes: 25_000,
            retained_bytes: 1_000,
        };
        let rows = [
            JsonRow::throughput(Workload::RegisterDisjointFunc, 2, Comparator::GlobalLockCached, &[3.0, 1.0, 2.0]),
            JsonRow::latency(&latency, 2),
            JsonRow::memory(&memory),
            JsonRow::throughput(Workload::Request, 1, Comparator::ThisCrate, &[]),
        ];
        let parsed = parse(&to_json(&rows));
        assert_eq!(parsed.len(), 4);
        for row in &parsed {
            assert!(row["workload"].is_string() && row["threads"].is_number() && row["comparator"].is_string());
            assert!(row.values().all(|v| !v.is_object() && !v.is_array()), "flat: {row:?}");
        }
        let t = &parsed[0];
        assert_eq!(t["workload"], "4_register_disjoint_func");
        assert_eq!(t["comparator"], "global_lock_cached");
        assert_eq!(t["threads"], 2.0);
        assert_eq!(t["ops_per_sec"], 2.0, "the median");
        assert_eq!(t["spread"], 3.0, "max / min");
        let l = &parsed[1];
        assert_eq!((&l["workload"], &l["op"], &l["case"]), (&"7_latency".into(), &"root_drop".into(), &"churn".into()));
        for (key, value) in [("p50_ns", 40.0), ("p99_ns", 900.0), ("p999_ns", 5e3), ("p9999_ns", 7e3), ("max_ns", 8e3)]
        {
            assert_eq!(l[key], value, "{key}");
        }
        let m = &parsed[2];
        assert_eq!((&m["workload"], &m["shape"]), (&"memory".into(), &"dart2wasm_group".into()));
        assert_eq!(m["bytes_per_type"], 250.0);
        assert_eq!(m["retained_bytes_per_type"], 10.0);
        assert!(parsed[3]["ops_per_sec"].is_null(), "no samples: null, not a made-up number");
    }

    #[test]
    fn strings_are_escaped() {
        let row = JsonRow(vec![("k", JsonValue::Str("a\"b\\c\nd".into()))]);
        assert_eq!(parse(&to_json(&[row]))[0]["k"], "a\"b\\c\nd");
    }
}
