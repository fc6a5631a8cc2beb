//! The `lot-report` binary, on a results document saved from a real run of
//! the quickstart example (`tests/it/data/quickstart.json`).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use lot_report::{Abort, Format, Summary, Threshold};

mod compare;
mod hostile;
mod http;

/// The saved quickstart results.
pub fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/data/quickstart.json")
}

fn lot_report(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lot-report"))
        .args(args)
        .output()
        .expect("running lot-report")
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("lot-report-cli-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn render_writes_every_format_as_the_library_renders_it() {
    let summary: Summary =
        serde_json::from_str(&std::fs::read_to_string(fixture()).unwrap()).unwrap();
    let dir = temp_dir("render");
    for format in Format::ALL {
        let out = dir.join(format!("out.{}", format.name()));
        let output = lot_report(&[
            "render",
            "--format",
            format.name(),
            "-o",
            out.to_str().unwrap(),
            fixture().to_str().unwrap(),
        ]);
        assert!(output.status.success(), "{format:?}: {output:?}");
        assert_eq!(
            std::fs::read_to_string(&out).unwrap(),
            format.render(&summary),
            "{format:?}"
        );
    }
    // The format follows the output's extension when not given.
    let out = dir.join("guessed.html");
    let output = lot_report(&[
        "render",
        "-o",
        out.to_str().unwrap(),
        fixture().to_str().unwrap(),
    ]);
    assert!(output.status.success());
    assert!(
        std::fs::read_to_string(&out)
            .unwrap()
            .starts_with("<!DOCTYPE html>")
    );
    // Standard output, as text by default.
    let output = lot_report(&["render", fixture().to_str().unwrap()]);
    assert!(output.status.success());
    assert_eq!(
        String::from_utf8(output.stdout).unwrap(),
        Format::Text.render(&summary)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// The fixture stopped by a threshold that measures within bounds at the
/// end, with a second threshold that passed.
fn stopped_by_a_threshold() -> Summary {
    let mut s: Summary =
        serde_json::from_str(&std::fs::read_to_string(fixture()).unwrap()).unwrap();
    s.stop_reason = lot_report::StopReason::Threshold;
    s.aborted_by = Some(Abort {
        expression: "error_rate < 1% abort".into(),
        at_us: 12_300_000,
        value: Some(0.042),
        measured: "4.200%".into(),
    });
    let thresholds =
        ["error_rate < 1% abort", "dropped == 0"].map(|e| Threshold::parse(e).unwrap());
    s.thresholds = lot_report::threshold::evaluate_all(&thresholds, &s);
    s
}

#[test]
fn an_abort_reads_as_absent_from_older_documents_and_renders_in_every_format() {
    let old: Summary = serde_json::from_str(&std::fs::read_to_string(fixture()).unwrap()).unwrap();
    assert_eq!(old.aborted_by, None);
    assert!(!Format::Json.render(&old).contains("aborted_by"));

    let s = stopped_by_a_threshold();
    assert!(!s.thresholds[0].passed, "{:?}", s.thresholds[0]);
    assert!(s.thresholds[1].passed, "{:?}", s.thresholds[1]);
    assert!(!s.thresholds_passed());
    let said = "stopped the run at 12.30s (measured 4.200% then)";
    let text = Format::Text.render(&s);
    assert!(
        text.contains(&format!(
            "    FAIL error_rate < 1% abort                measured {}\n         {said}\n",
            s.thresholds[0].measured
        )),
        "{text}"
    );
    assert!(text.contains("thresholds: 1 of 2 FAILED"), "{text}");
    let md = Format::Md.render(&s);
    assert!(
        md.contains(&format!(
            "| **FAIL** | error\\_rate &lt; 1% abort | {}; {said} |",
            s.thresholds[0].measured
        )),
        "{md}"
    );
    let html = Format::Html.render(&s);
    assert!(
        html.contains(&format!("<br><span class=\"abort\">{}</span>", said)),
        "{html}"
    );
    let json = Format::Json.render(&s);
    let back: Summary = serde_json::from_str(&json).unwrap();
    assert_eq!(back.aborted_by, s.aborted_by);
    // The CSV is the interval series only: it shows no thresholds.
    assert_eq!(Format::Csv.render(&s), Format::Csv.render(&old));

    // A document whose abort names no listed threshold still shows it.
    let mut unlisted = stopped_by_a_threshold();
    unlisted.thresholds.clear();
    let text = Format::Text.render(&unlisted);
    assert!(text.contains("thresholds: 1 of 1 FAILED"), "{text}");
    assert!(
        text.contains(
            "    FAIL error_rate < 1% abort                stopped the run at 12.30s\n        (measured 4.200% then)\n"
        ),
        "{text}"
    );
    assert!(Format::Md.render(&unlisted).contains(said));
    assert!(Format::Html.render(&unlisted).contains(said));
}

#[test]
fn bad_invocations_name_the_problem() {
    let fixture = fixture();
    let fixture = fixture.to_str().unwrap();
    let dir = temp_dir("errors");
    let garbage = dir.join("garbage.json");
    std::fs::write(&garbage, "{\"not\": \"results\"}").unwrap();
    let mut future =
        serde_json::from_str::<serde_json::Value>(&std::fs::read_to_string(fixture).unwrap())
            .unwrap();
    future["schema_version"] = 999.into();
    let newer = dir.join("newer.json");
    std::fs::write(&newer, future.to_string()).unwrap();

    for (args, status, message) in [
        (
            vec!["render", "--format", "pdf", fixture],
            2,
            "unknown format `pdf`; expected one of: json, csv, html, md, text",
        ),
        (vec!["render"], 2, "missing the results file to render"),
        (vec!["render", "-o"], 2, "`-o` needs a value"),
        (
            vec!["render", "--colour", fixture],
            2,
            "unknown option `--colour`",
        ),
        (
            vec!["merge", fixture],
            1,
            "is not a shard: it was not run with LOT_SEGMENT",
        ),
        (
            vec!["split", fixture],
            2,
            "unknown command `split`; expected: render, merge",
        ),
        (
            vec!["render", "/nonexistent/run.json"],
            1,
            "cannot read `/nonexistent/run.json`",
        ),
        (
            vec!["render", garbage.to_str().unwrap()],
            1,
            "is not a lot JSON results document",
        ),
        (
            vec!["render", newer.to_str().unwrap()],
            1,
            "has schema version 999; this lot-report reads version 1",
        ),
    ] {
        let output = lot_report(&args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(status), "{args:?}: {stderr}");
        assert!(stderr.contains(message), "{args:?}: {stderr}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

mod merging {
    use lot_report::merge::merge;
    use lot_report::{Segment, Summary};

    fn shard(index: u64, count: u64) -> Summary {
        let text = std::fs::read_to_string(super::fixture()).unwrap();
        let mut s: Summary = serde_json::from_str(&text).unwrap();
        s.segment = Some(Segment { index, count });
        s
    }

    fn labelled(shards: Vec<Summary>) -> Vec<(String, Summary)> {
        shards
            .into_iter()
            .enumerate()
            .map(|(i, s)| (format!("shard-{i}.json"), s))
            .collect()
    }

    #[test]
    fn merged_counts_add_up_and_percentiles_come_from_the_merged_histograms() {
        let a = shard(0, 2);
        let mut b = shard(1, 2);
        // Make the second shard different: its latencies are shifted.
        let mut h = b.latency.histogram().unwrap();
        h.record_n(50_000, 100).unwrap();
        b.latency = lot_report::Stats::from_histogram(&h);
        let merged = merge(&labelled(vec![a.clone(), b.clone()]), false).unwrap();
        let mut t = a.totals;
        t.add(&b.totals);
        assert_eq!(merged.totals, t);
        let mut combined = a.latency.histogram().unwrap();
        combined.add(b.latency.histogram().unwrap()).unwrap();
        assert_eq!(merged.latency.count, combined.len());
        assert_eq!(merged.latency.p99_us, combined.value_at_quantile(0.99));
        assert_eq!(merged.latency.p999_us, combined.value_at_quantile(0.999));
        assert_eq!(merged.merged.as_ref().unwrap().shards, [0, 1]);
        assert_eq!(merged.segment, None);
        let steps: u64 = merged.scenarios[0].steps.iter().map(|s| s.ok).sum();
        let shard_steps: u64 = a.scenarios[0].steps.iter().map(|s| s.ok).sum();
        assert_eq!(steps, 2 * shard_steps);
        let ok: u64 = merged.intervals.iter().map(|i| i.counts.ok).sum();
        assert_eq!(ok, merged.totals.ok, "the series adds up");
    }

    /// `intervals` (1 s ticks and a last sliver) as a run that folded
    /// them once keeps them: pairs of ticks as one interval of 2 s, an odd
    /// tick on its own, the sliver last.
    fn folded_once(intervals: &[lot_report::Interval]) -> Vec<lot_report::Interval> {
        let (sliver, ticks) = intervals.split_last().unwrap();
        let mut out: Vec<lot_report::Interval> = ticks
            .chunks(2)
            .map(|pair| {
                let mut a = pair[0].clone();
                if let Some(b) = pair.get(1) {
                    a.duration_us += b.duration_us;
                    a.counts.add(&b.counts);
                    a.started += b.started;
                    a.cumulative = b.cumulative;
                    a.latency.count += b.latency.count;
                    a.scenarios[0].counts.add(&b.scenarios[0].counts);
                    a.scenarios[0].latency.count += b.scenarios[0].latency.count;
                }
                a
            })
            .collect();
        out.push(sliver.clone());
        for (i, interval) in out.iter_mut().enumerate() {
            interval.index = i as u64;
        }
        out
    }

    /// A shard whose run folded its series once (it reached the fold) and
    /// one whose run did not: the merged series is at the coarser one's
    /// windows, every interval holding both shards' counts for it, rather
    /// than alternating 2 s intervals with 1 s ones that hold half the load.
    #[test]
    fn shards_folded_differently_merge_at_the_coarser_windows() {
        let a = shard(0, 2);
        let mut b = shard(1, 2);
        b.intervals = folded_once(&a.intervals);
        assert_eq!(b.intervals.len(), 9);
        let merged = merge(&labelled(vec![a.clone(), b.clone()]), false).unwrap();
        let starts: Vec<u64> = merged
            .intervals
            .iter()
            .map(|i| i.start_us / 1_000_000)
            .collect();
        assert_eq!(starts, [0, 2, 4, 6, 8, 10, 12, 14, 15]);
        let ok: u64 = merged.intervals.iter().map(|i| i.counts.ok).sum();
        assert_eq!(ok, merged.totals.ok, "the series adds up");
        for (m, folded) in merged.intervals.iter().zip(&b.intervals) {
            assert_eq!(
                m.counts.ok,
                2 * folded.counts.ok,
                "at {} s",
                m.start_us / 1_000_000
            );
            assert_eq!(m.duration_us, folded.duration_us);
        }
        // Merged the other way round, the same series.
        let again = merge(&labelled(vec![b, a]), false).unwrap();
        assert_eq!(again.intervals, merged.intervals);
    }

    /// `ticks` 1 s ticks like the fixture's second, pushed through a run's
    /// series of intervals, but for those `stalled` skips (the tick before
    /// them lengthened over them), and a last sliver.
    fn run_of(ticks: u64, stalled: fn(u64) -> bool) -> Vec<lot_report::Interval> {
        let like = shard(0, 2).intervals[1].clone();
        let at = |k: u64, duration_us: u64| lot_report::Interval {
            index: k,
            start_us: k * 1_000_000,
            duration_us,
            ..like.clone()
        };
        let mut series = lot_report::IntervalSeries::new(1_000_000);
        for k in (0..ticks - 1).filter(|&k| !stalled(k)) {
            let skipped = (k + 1..).take_while(|&j| stalled(j)).count() as u64;
            series.push(at(k, (1 + skipped) * 1_000_000));
        }
        series.finish(Some(at(ticks - 1, 5_000)))
    }

    /// Two shards of a run long enough to fold its series, one of which
    /// stalled over a tick before the fold: each run folds by time, so the
    /// stall moves none of its later intervals and the merged series keeps
    /// the unstalled shard's windows, each with both shards' counts,
    /// rather than alternating the two shards' intervals from the stall on.
    #[test]
    fn a_shard_that_stalled_merges_in_step_with_one_that_did_not() {
        let ticks = lot_report::MAX_INTERVALS as u64 + 100;
        let mut a = shard(0, 2);
        a.intervals = run_of(ticks, |_| false);
        let mut b = shard(1, 2);
        b.intervals = run_of(ticks, |k| k == 3);
        assert!(a.intervals.len() < ticks as usize, "folded");
        let merged = merge(&labelled(vec![a.clone(), b.clone()]), false).unwrap();
        let starts =
            |s: &[lot_report::Interval]| -> Vec<u64> { s.iter().map(|i| i.start_us).collect() };
        assert_eq!(starts(&merged.intervals), starts(&a.intervals));
        assert_eq!(starts(&b.intervals), starts(&a.intervals));
        let ok = |s: &[lot_report::Interval]| -> u64 { s.iter().map(|i| i.counts.ok).sum() };
        assert_eq!(ok(&merged.intervals), ok(&a.intervals) + ok(&b.intervals));
        for ((m, a), b) in merged.intervals.iter().zip(&a.intervals).zip(&b.intervals) {
            assert_eq!(m.counts.ok, a.counts.ok + b.counts.ok, "at {}", m.start_us);
        }
    }

    /// Crafted lengths (every interval of a shard claiming `u64::MAX` µs)
    /// fold the other shard's series into one window: no overflow, no
    /// panic, and the counts still add up.
    #[test]
    fn crafted_interval_lengths_fold_without_overflow() {
        let a = shard(0, 2);
        let mut b = shard(1, 2);
        for interval in &mut b.intervals {
            interval.duration_us = u64::MAX;
        }
        let merged = merge(&labelled(vec![a, b]), false).unwrap();
        let ok: u64 = merged.intervals.iter().map(|i| i.counts.ok).sum();
        assert_eq!(ok, merged.totals.ok, "the series adds up");
    }

    #[test]
    fn the_earliest_abort_stops_the_merged_run_and_fails_its_threshold() {
        let abort = |expression: &str, at_us| lot_report::Abort {
            expression: expression.into(),
            at_us,
            value: Some(1.0),
            measured: "1".into(),
        };
        let thresholds = ["dropped == 0 abort", "failed < 1000000 abort"]
            .map(|e| lot_report::Threshold::parse(e).unwrap());
        let mut shards: Vec<Summary> = (0..3).map(|i| shard(i, 3)).collect();
        for s in &mut shards {
            s.thresholds = lot_report::threshold::evaluate_all(&thresholds, s);
        }
        // Every threshold passes on the merged counts; two shards were
        // stopped, by different thresholds, shard 2 first.
        shards[1].aborted_by = Some(abort("dropped == 0 abort", 3_000_000));
        shards[2].aborted_by = Some(abort("failed < 1000000 abort", 2_000_000));
        let merged = merge(&labelled(shards.clone()), false).unwrap();
        assert_eq!(
            merged.aborted_by,
            Some(abort("failed < 1000000 abort", 2_000_000))
        );
        let passed: Vec<bool> = merged.thresholds.iter().map(|t| t.passed).collect();
        assert_eq!(passed, [true, false]);
        assert_eq!(
            merged.thresholds[1].measured,
            merged.thresholds[1].value.unwrap().to_string()
        );
        // A shard whose result failed but that named no abort is no abort.
        for s in &mut shards {
            s.aborted_by = None;
            s.thresholds[0].passed = false;
        }
        let merged = merge(&labelled(shards), false).unwrap();
        assert_eq!(merged.aborted_by, None);
        assert!(merged.thresholds_passed(), "{:?}", merged.thresholds);
    }

    #[test]
    fn misaligned_series_never_dip() {
        let a = shard(0, 2);
        let mut b = shard(1, 2);
        // Shard 1 skipped a tick (after a stall its 3rd interval is missing)
        // and ended an interval early.
        b.intervals.remove(2);
        b.intervals.pop();
        let merged = merge(&labelled(vec![a.clone(), b.clone()]), false).unwrap();
        assert_eq!(merged.intervals.len(), a.intervals.len());
        let mut previous = 0;
        for i in &merged.intervals {
            assert!(i.cumulative.scheduled >= previous, "{:?}", merged.intervals);
            previous = i.cumulative.scheduled;
        }
        let last = merged.intervals.last().unwrap();
        assert_eq!(
            last.cumulative.scheduled,
            a.intervals.last().unwrap().cumulative.scheduled
                + b.intervals.last().unwrap().cumulative.scheduled
        );
    }

    #[test]
    fn refuses_what_is_not_one_run() {
        let check = |shards: Vec<Summary>, allow_partial: bool, want: &str| {
            let err = merge(&labelled(shards), allow_partial)
                .expect_err(want)
                .to_string();
            assert_eq!(err, want);
        };
        let mut whole = shard(0, 2);
        whole.segment = None;
        check(
            vec![shard(0, 2), whole],
            false,
            "`shard-1.json` is not a shard: it was not run with LOT_SEGMENT",
        );
        check(
            vec![shard(0, 2), shard(1, 3)],
            false,
            "`shard-1.json` is shard 1 of 3, but `shard-0.json` is of 2: shards of different runs",
        );
        check(
            vec![shard(1, 2), shard(1, 2)],
            false,
            "`shard-0.json` and `shard-1.json` are both shard 1 of 2",
        );
        let mut other = shard(1, 2);
        other.plan.loads[0].stages[0].to += 1.0;
        check(
            vec![shard(0, 2), other],
            false,
            "`shard-1.json` and `shard-0.json` ran different plans (stages, scenarios or limits differ)",
        );
        check(
            vec![shard(0, 4), shard(2, 4)],
            false,
            "incomplete: shards 1, 3 of 4 missing (merge anyway with --allow-partial)",
        );
        let mut old = shard(1, 2);
        old.schema_version = 0;
        check(
            vec![shard(0, 2), old],
            false,
            "`shard-1.json` has schema version 0; expected 1",
        );
        check(vec![], false, "no results to merge");
        let mut later = shard(1, 2);
        later.started_at_unix_ms += 86_400_000;
        let started = shard(0, 2).started_at_unix_ms;
        check(
            vec![shard(0, 2), later],
            false,
            &format!(
                "`shard-1.json` started at {} ms and `shard-0.json` at {started} ms since the Unix epoch: shards of different runs (the shards of one run share LOT_START_AT)",
                started + 86_400_000
            ),
        );
        let mut gated = shard(1, 2);
        gated.thresholds.clear();
        let mut first = shard(0, 2);
        first.thresholds.push(lot_report::ThresholdResult {
            expression: "dropped == 0".into(),
            passed: true,
            value: Some(0.0),
            measured: "0".into(),
            abort: false,
        });
        check(
            vec![first, gated],
            false,
            "`shard-1.json` and `shard-0.json` have different thresholds",
        );
        let mut big: Vec<Summary> = (0..3).map(|i| shard(i, 3)).collect();
        for s in &mut big {
            s.totals.ok = u64::MAX / 2;
        }
        check(
            big,
            false,
            "cannot merge `shard-0.json`, `shard-1.json` and `shard-2.json`: totals.ok overflows u64",
        );
        let mut corrupt = shard(1, 2);
        corrupt.service_time.count += 1;
        let count = corrupt.service_time.count;
        check(
            vec![shard(0, 2), corrupt],
            false,
            &format!(
                "`shard-1.json`: service_time.hdr: holds {} values but `count` is {count}",
                count - 1
            ),
        );
        let partial = merge(&labelled(vec![shard(0, 4), shard(2, 4)]), true).unwrap();
        assert_eq!(partial.merged.as_ref().unwrap().shards, [0, 2]);
        assert_eq!(
            partial.describe_shards(),
            "merged from shards 0, 2 of 4 (PARTIAL)"
        );
    }
}

/// Every format written through a sink is, byte for byte, what it renders;
/// a write that fails leaves the destination as it was.
#[test]
fn formats_write_what_they_render_and_a_failed_write_changes_nothing() {
    use lot_report::output::{Destination, Sink};
    let summary: Summary =
        serde_json::from_str(&std::fs::read_to_string(fixture()).unwrap()).unwrap();
    let dir = temp_dir("write");
    for format in Format::ALL {
        let mut written = Vec::new();
        format.write(&summary, &mut written).unwrap();
        assert_eq!(written, format.render(&summary).into_bytes(), "{format:?}");
    }
    let path = dir.join("kept.json");
    std::fs::write(&path, b"before").unwrap();
    let mut sink = Sink::open(&Destination::File(path.clone())).unwrap();
    let e = sink
        .commit_with(|out| {
            out.write_all(b"half a document")?;
            Err(std::io::Error::other("the disk is full"))
        })
        .unwrap_err();
    assert_eq!(e.to_string(), "the disk is full");
    assert_eq!(std::fs::read(&path).unwrap(), b"before");
    let left: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
    assert_eq!(left.len(), 1, "no temporary file is left: {left:?}");
    // A renderer that panics midway: dropping the sink removes its file.
    let mut sink = Sink::open(&Destination::File(path.clone())).unwrap();
    let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let _ = sink.commit_with(|out| {
            out.write_all(b"half a document")?;
            panic!("a renderer's bug");
        });
    }));
    assert!(panicked.is_err());
    drop(sink);
    assert_eq!(std::fs::read(&path).unwrap(), b"before");
    let left: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
    assert_eq!(left.len(), 1, "no temporary file is left: {left:?}");
    let _ = std::fs::remove_dir_all(&dir);
}
