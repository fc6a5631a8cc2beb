//! The compare section: `lot-report compare` of two generated documents of
//! 100 scenarios with one step each, of runs of 1 s ticks over an hour and
//! a day, kept as a run keeps them (an hour whole, a day folded into about 2,700
//! intervals of 32 s), and, without `--quick`, of a day of 86,400 1 s
//! intervals (a document no run writes, 7 GB, which `compare` must still
//! read in bounded memory): wall time, CPU time and peak RSS. Target: a
//! day's in under 2 s and 256 MB. The documents are written by
//! `lot-bench-doc` into the target directory and removed after.

use std::path::Path;

use super::measure::{mb, measure, pinned};
use super::plan::Plan;
use super::report::Row;
use super::setup::Setup;

/// Scenarios of the documents, each with one step.
const SCENARIOS: u32 = 100;

/// A row per length.
pub(super) fn rows(plan: &Plan, setup: &Setup, log: &mut Vec<String>) -> Vec<Row> {
    let day = ("24 h of 1 s intervals, unfolded", 86_400, true);
    let lengths: &[(&str, u64, bool)] = &[("1 h", 3600, false), ("24 h", 86_400, false), day];
    let lengths = if plan.quick { &lengths[..2] } else { lengths };
    let dir = setup.target.join("bench-compare");
    if let Err(e) = std::fs::create_dir_all(&dir) {
        eprintln!("cannot create {}: {e}", dir.display());
        return Vec::new();
    }
    let rows = lengths
        .iter()
        .map(|&(label, intervals, unfolded)| row(label, intervals, unfolded, setup, &dir, log))
        .collect();
    let _ = std::fs::remove_dir_all(&dir);
    rows
}

fn row(
    label: &str,
    intervals: u64,
    unfolded: bool,
    setup: &Setup,
    dir: &Path,
    log: &mut Vec<String>,
) -> Row {
    eprintln!("compare: writing two documents of {label}...");
    let template = setup.root.join("lot-report/tests/it/data/quickstart.json");
    let base = dir.join("base.json");
    let new = dir.join("new.json");
    // What the generator says it wrote.
    let mut kept: Option<u64> = None;
    for (path, seed, shift) in [(&base, 1, 0), (&new, 2, 250)] {
        let args: Vec<String> = [
            template.display().to_string(),
            path.display().to_string(),
            "--intervals".into(),
            intervals.to_string(),
            "--scenarios".into(),
            SCENARIOS.to_string(),
            "--steps".into(),
            "1".into(),
            "--seed".into(),
            seed.to_string(),
            "--shift-us".into(),
            shift.to_string(),
        ]
        .into_iter()
        .chain(unfolded.then(|| "--unfolded".to_owned()))
        .collect();
        let run = measure(pinned(None, &setup.doc_bin, &args), log);
        kept = run.stdout.trim().parse().ok();
    }
    let size = std::fs::metadata(&base).map_or(0, |m| m.len());
    eprintln!(
        "compare: comparing them ({:.0} MB each)...",
        size as f64 / 1e6
    );
    let out = dir.join("comparison.txt");
    let args: Vec<String> = vec![
        "compare".into(),
        "--max-input-bytes".into(),
        (size * 2).max(1 << 30).to_string(),
        "-o".into(),
        out.display().to_string(),
        base.display().to_string(),
        new.display().to_string(),
    ];
    let run = measure(pinned(None, &setup.report_bin, &args), log);
    let compared = std::fs::read_to_string(&out).is_ok_and(|t| t.contains("scenario-099"));
    let usage = run.usage;
    let _ = std::fs::remove_file(&base);
    let _ = std::fs::remove_file(&new);
    Row {
        section: "compare",
        name: format!("{label}: {SCENARIOS} scenarios of 1 step"),
        values: vec![
            ("intervals", kept.map_or("?".to_owned(), |n| n.to_string())),
            ("file size (each)", format!("{:.0}MB", size as f64 / 1e6)),
            (
                "wall time",
                if compared {
                    format!("{:.2}s", usage.wall().as_secs_f64())
                } else {
                    "FAILED".to_owned()
                },
            ),
            ("CPU time", format!("{:.2}s", usage.cpu.as_secs_f64())),
            ("peak RSS", mb(usage.peak_rss_kb)),
            ("target (24 h)", "< 2 s, < 256MB".to_owned()),
        ],
    }
}
