//! `lot-report compare` on documents built from the quickstart fixture with
//! latencies of our own: the same distribution twice, a shifted one, a
//! bimodal one and one with errors; golden text and Markdown; gates and
//! their exit statuses; documents that cannot be compared.

use std::path::{Path, PathBuf};

use hdrhistogram::Histogram;
use lot_report::compare::{self, Condensed, Gate, Guard};
use lot_report::{IntervalLatency, Stats, Summary, Totals};

use super::{fixture, lot_report, temp_dir};

/// A run's latencies: `n` values of 2 to 3 ms, deterministic for `seed`,
/// plus `shift_us`; every `slow_every`-th value (0: none) 40 ms slower; the
/// iterations `failed_every`-th (0: none) failed.
pub struct Spec {
    seed: u64,
    shift_us: u64,
    slow_every: usize,
    failed_every: usize,
}

const N: usize = 4000;
const INTERVALS: usize = 16;

fn values(spec: &Spec) -> Vec<u64> {
    let mut x = spec
        .seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (0..N)
        .map(|i| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let mut v = 2000 + (x >> 33) % 1000 + spec.shift_us;
            if spec.slow_every > 0 && i % spec.slow_every == spec.slow_every / 2 {
                v += 40_000;
            }
            v
        })
        .collect()
}

fn histogram(values: impl IntoIterator<Item = u64>) -> Histogram<u64> {
    let mut h = lot_report::stats::new_histogram();
    for v in values {
        h.record(v).unwrap();
    }
    h
}

fn interval_latency(h: &Histogram<u64>) -> IntervalLatency {
    IntervalLatency {
        count: h.len(),
        p50_us: h.value_at_quantile(0.5),
        p90_us: h.value_at_quantile(0.9),
        p99_us: h.value_at_quantile(0.99),
        max_us: h.max(),
    }
}

/// The quickstart document with the latencies of `spec` everywhere: the
/// run, scenario `visit`, and its steps `home page` and `api` (half the
/// iteration's latency each).
pub fn document(spec: &Spec) -> Summary {
    let mut s: Summary =
        serde_json::from_str(&std::fs::read_to_string(fixture()).unwrap()).unwrap();
    let v = values(spec);
    let failed = |i: usize| spec.failed_every > 0 && i % spec.failed_every == 0;
    let failures = (0..N).filter(|&i| failed(i)).count() as u64;
    let totals = Totals {
        scheduled: N as u64,
        ok: N as u64 - failures,
        failed: failures,
        dropped: 0,
        interrupted: 0,
    };
    let all = Stats::from_histogram(&histogram(v.iter().copied()));
    let half = Stats::from_histogram(&histogram(v.iter().map(|x| x / 2)));
    let lag = Stats::from_histogram(&histogram(v.iter().map(|x| x / 10)));
    s.totals = totals;
    s.achieved_rps = N as f64 / (s.plan.duration_us as f64 / 1e6);
    (s.latency, s.service_time, s.schedule_lag) = (all.clone(), all.clone(), lag.clone());
    let sc = &mut s.scenarios[0];
    sc.totals = totals;
    (sc.latency, sc.service_time, sc.schedule_lag) = (all.clone(), all, lag);
    for step in &mut sc.steps {
        (step.ok, step.failed, step.latency) = (totals.ok, totals.failed, half.clone());
    }
    let per = N / INTERVALS;
    s.intervals.truncate(INTERVALS);
    let mut cumulative = Totals::default();
    for (k, interval) in s.intervals.iter_mut().enumerate() {
        let range = k * per..(k + 1) * per;
        let h = histogram(v[range.clone()].iter().copied());
        let hh = histogram(v[range.clone()].iter().map(|x| x / 2));
        let f = range.clone().filter(|&i| failed(i)).count() as u64;
        let counts = Totals {
            scheduled: per as u64,
            ok: per as u64 - f,
            failed: f,
            dropped: 0,
            interrupted: 0,
        };
        cumulative.add(&counts);
        (interval.counts, interval.cumulative, interval.in_flight) = (counts, cumulative, 0);
        interval.latency = interval_latency(&h);
        let row = &mut interval.scenarios[0];
        (row.counts, row.latency) = (counts, interval_latency(&h));
        for step in &mut row.steps {
            (step.ok, step.failed, step.latency) =
                (counts.ok, counts.failed, interval_latency(&hh));
        }
    }
    s
}

fn same(seed: u64) -> Spec {
    Spec {
        seed,
        shift_us: 0,
        slow_every: 0,
        failed_every: 0,
    }
}

fn compared(base: &Spec, new: &Spec, gates: &[&str]) -> compare::Comparison {
    let gates: Vec<Gate> = gates.iter().map(|g| Gate::parse(g).unwrap()).collect();
    compare::compare(
        ("base.json", &document(base)),
        ("new.json", &document(new)),
        &gates,
    )
    .unwrap()
}

fn quantile<'a>(
    c: &'a compare::Comparison,
    group: usize,
    metric: &str,
    name: &str,
) -> &'a compare::QuantileChange {
    let d = c.groups[group]
        .distributions
        .iter()
        .find(|d| d.metric == metric)
        .unwrap();
    d.quantiles.iter().find(|q| q.name == name).unwrap()
}

fn any_significant(c: &compare::Comparison) -> Vec<String> {
    let mut out = Vec::new();
    for g in &c.groups {
        for r in g.rates.iter().filter(|r| r.significant) {
            out.push(format!("{} {}", g.title(), r.name));
        }
        for d in &g.distributions {
            for q in d.quantiles.iter().filter(|q| q.significant) {
                out.push(format!("{} {} {}", g.title(), d.metric, q.name));
            }
            if d.ks.significant {
                out.push(format!("{} {} KS", g.title(), d.metric));
            }
        }
    }
    out
}

#[test]
fn the_same_distribution_twice_is_no_significant_change() {
    let c = compared(
        &same(1),
        &same(2),
        &[
            "latency p99 > +10%",
            "error_rate > +0.5pp",
            "latency[api] p95 > +1ms significant",
        ],
    );
    assert_eq!(any_significant(&c), Vec::<String>::new());
    assert!(c.gates_passed(), "{:?}", c.gates);
    assert!(c.warnings.is_empty() && c.unmatched.is_empty());
    // Every statistic comes from the histograms, with its interval around it.
    let p50 = quantile(&c, 0, "latency", "p50");
    let [lo, hi] = p50.base_ci_us.unwrap();
    assert!(
        lo <= p50.base_us && p50.base_us <= hi && hi - lo < 100,
        "{p50:?}"
    );
    assert_eq!(c.groups.len(), 4, "the run, the scenario and its two steps");
}

#[test]
fn a_shift_is_significant_and_fails_its_gates() {
    let c = compared(
        &same(1),
        &Spec {
            shift_us: 5000,
            ..same(2)
        },
        &[
            "latency p99 > +10%",
            "latency[api] p95 > +2ms",
            "latency p50 > +1ms significant",
            "latency p50 > +10ms",
        ],
    );
    for name in ["p50", "p90", "p95", "p99", "p99.9"] {
        let q = quantile(&c, 0, "latency", name);
        assert!(q.significant, "{q:?}");
        assert_eq!(q.guard, Guard::Agrees);
    }
    assert!(c.groups[0].distributions[0].ks.significant);
    let passed: Vec<bool> = c.gates.iter().map(|g| g.passed).collect();
    assert_eq!(passed, [false, false, false, true], "{:?}", c.gates);
    assert!(
        c.gates[1]
            .measured
            .starts_with("step visit / api: latency p95"),
        "{}",
        c.gates[1].measured
    );
}

#[test]
fn a_bimodal_slow_path_keeps_p50_and_the_distance_flags_it() {
    let c = compared(
        &same(1),
        &Spec {
            slow_every: 20,
            ..same(2)
        },
        &["latency p99 > +50% significant"],
    );
    let p50 = quantile(&c, 0, "latency", "p50");
    assert!(
        !p50.significant && p50.relative.unwrap().abs() < 0.05,
        "{p50:?}"
    );
    assert!(quantile(&c, 0, "latency", "p99").significant);
    let ks = &c.groups[0].distributions[0].ks;
    assert!(ks.significant && ks.d_tolerant > 0.04, "{ks:?}");
    assert!(!c.gates_passed());
}

#[test]
fn more_errors_are_significant_by_the_two_proportion_test() {
    let c = compared(
        &same(1),
        &Spec {
            failed_every: 20,
            ..same(2)
        },
        &["error_rate > +0.5pp", "error_rate > +10pp"],
    );
    let r = c.groups[0]
        .rates
        .iter()
        .find(|r| r.name == "error_rate")
        .unwrap();
    assert!(r.significant && r.z.unwrap() > 1.96, "{r:?}");
    assert!((r.new - 0.05).abs() < 1e-9);
    assert_eq!(
        c.gates.iter().map(|g| g.passed).collect::<Vec<_>>(),
        [false, true]
    );
}

#[test]
fn unmatched_scenarios_and_steps_are_listed_and_plan_changes_warned() {
    let base = document(&same(1));
    let mut new = document(&same(2));
    new.scenarios[0].steps[1].name = "api v2".into();
    for i in &mut new.intervals {
        i.scenarios[0].steps[1].name = "api v2".into();
    }
    new.plan.loads[0].stages[0].to *= 2.0;
    let c = compare::compare(("base.json", &base), ("new.json", &new), &[]).unwrap();
    let unmatched: Vec<(Option<&str>, compare::Side)> = c
        .unmatched
        .iter()
        .map(|u| (u.step.as_deref(), u.only_in))
        .collect();
    assert_eq!(
        unmatched,
        [
            (Some("api"), compare::Side::Base),
            (Some("api v2"), compare::Side::New)
        ]
    );
    assert_eq!(c.warnings.len(), 1, "{:?}", c.warnings);
    assert!(
        c.warnings[0].starts_with("the plans differ in load 1's stages: base `arrival rate"),
        "{}",
        c.warnings[0]
    );
    // A gate on a step only one run has is an error before comparing.
    let gate = Gate::parse("latency[api] p99 > +10%").unwrap();
    let e = compare::compare(("base.json", &base), ("new.json", &new), &[gate]).unwrap_err();
    assert_eq!(
        e.to_string(),
        "gate `latency[api] p99 > +10%`: `api` names no scenario or step of `new.json`"
    );
    new.schema_version = 2;
    let e = compare::compare(("base.json", &base), ("new.json", &new), &[]).unwrap_err();
    assert!(
        e.to_string()
            .starts_with("cannot compare schema version 1 (`base.json`) with schema version 2")
    );
}

fn golden(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/it/data")
        .join(name)
}

/// Compares `actual` with the golden file; `LOT_BLESS=1` rewrites it.
fn check_golden(name: &str, actual: &str) {
    let path = golden(name);
    if std::env::var_os("LOT_BLESS").is_some() {
        std::fs::write(&path, actual).unwrap();
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        expected == actual,
        "{name} differs from {}; LOT_BLESS=1 rewrites it:\n{actual}",
        path.display()
    );
}

#[test]
fn text_and_markdown_match_their_golden_files() {
    let c = compared(
        &same(1),
        &Spec {
            shift_us: 5000,
            ..same(2)
        },
        &["latency p99 > +10%", "error_rate > +0.5pp"],
    );
    let text = compare::text::render(&c);
    for line in text.lines() {
        assert!(line.chars().count() <= 80, "{line}");
    }
    check_golden("compare.txt", &text);
    check_golden("compare.md", &compare::markdown::render(&c));
    let json: serde_json::Value = serde_json::from_str(&compare::json::render(&c)).unwrap();
    assert_eq!(json["schema_version"], 1);
    assert_eq!(
        json["groups"][0]["distributions"][0]["quantiles"][1]["name"],
        "p50"
    );
    let (base, new) = (document(&same(1)), document(&same(2)));
    let html = compare::html::render(&c, &Condensed::new(base), &Condensed::new(new));
    assert_eq!(html.matches("<script").count(), 3);
}

fn write(dir: &Path, name: &str, s: &Summary) -> String {
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_string(s).unwrap()).unwrap();
    path.to_str().unwrap().to_owned()
}

#[test]
fn the_binary_exits_99_on_a_failed_gate_and_writes_every_format() {
    let dir = temp_dir("compare");
    let base = write(&dir, "base.json", &document(&same(1)));
    let same_again = write(&dir, "same.json", &document(&same(2)));
    let slower = write(
        &dir,
        "slower.json",
        &document(&Spec {
            shift_us: 5000,
            ..same(2)
        }),
    );
    let ok = lot_report(&[
        "compare",
        "--fail-if",
        "latency p99 > +10%",
        &base,
        &same_again,
    ]);
    assert!(ok.status.success(), "{ok:?}");
    assert!(String::from_utf8_lossy(&ok.stdout).contains("gates: 1 passed"));
    let out = lot_report(&[
        "compare",
        "--fail-if",
        "latency p99 > +10%",
        "--fail-if",
        "latency p50 > +1ms significant",
        &base,
        &slower,
    ]);
    assert_eq!(out.status.code(), Some(99), "{out:?}");
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "lot-report: a gate failed: latency p99 > +10%; latency p50 > +1ms significant\n"
    );
    for (ext, start) in [
        ("json", "{"),
        ("md", "## lot: comparison"),
        ("html", "<!DOCTYPE html>"),
        ("txt", "base  "),
    ] {
        let path = dir.join(format!("out.{ext}"));
        let o = lot_report(&["compare", "-o", path.to_str().unwrap(), &base, &slower]);
        assert!(o.status.success(), "{o:?}");
        assert!(
            std::fs::read_to_string(&path).unwrap().starts_with(start),
            "{ext}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_usage_and_uncomparable_inputs_are_one_line_errors() {
    let dir = temp_dir("compare-errors");
    let base = write(&dir, "base.json", &document(&same(1)));
    let mut other = document(&same(2));
    other.scenarios[0].steps[1].name = "api v2".into();
    for i in &mut other.intervals {
        i.scenarios[0].steps[1].name = "api v2".into();
    }
    let other = write(&dir, "other.json", &other);
    let run = |args: &[&str]| {
        let o = lot_report(args);
        (
            o.status.code(),
            String::from_utf8_lossy(&o.stderr)
                .lines()
                .next()
                .unwrap_or("")
                .to_owned(),
        )
    };
    assert_eq!(
        run(&["compare", "--fail-if", "latency p99 > 10%", &base, &base]),
        (Some(2), "lot-report: invalid gate `latency p99 > 10%`: expected a signed change such as +10%, +20ms or +0.5pp, not `10%`".to_owned())
    );
    assert_eq!(run(&["compare", &base]).0, Some(2));
    assert_eq!(
        run(&[
            "compare",
            "--fail-if",
            "latency[api] p99 > +1%",
            &base,
            &other
        ]),
        (
            Some(1),
            format!(
                "lot-report: gate `latency[api] p99 > +1%`: `api` names no scenario or step of `{other}`"
            )
        )
    );
    let truncated = dir.join("truncated.json");
    let text = std::fs::read_to_string(&base).unwrap();
    std::fs::write(&truncated, &text[..text.len() / 2]).unwrap();
    let (code, line) = run(&["compare", &base, truncated.to_str().unwrap()]);
    assert_eq!(code, Some(1));
    assert!(line.contains("truncated.json"), "{line}");
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["scenarios"][0]["latency"]["hdr"] = "AAAA".into();
    let corrupt = dir.join("corrupt.json");
    std::fs::write(&corrupt, v.to_string()).unwrap();
    let (code, line) = run(&["compare", corrupt.to_str().unwrap(), &base]);
    assert_eq!(code, Some(1));
    assert!(
        line.contains("corrupt.json") && line.contains("scenarios[0].latency.hdr"),
        "{line}"
    );
    v["schema_version"] = 2.into();
    let future = dir.join("future.json");
    std::fs::write(&future, v.to_string()).unwrap();
    let (code, line) = run(&["compare", &base, future.to_str().unwrap()]);
    assert_eq!(code, Some(1));
    assert!(
        line.contains("future.json") && line.contains("schema"),
        "{line}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn hostile_names_stay_text_in_every_output() {
    const HOSTILE: &str = "</script><script>alert(1)</script><!--|*";
    let rename = |mut s: Summary| {
        s.scenarios[0].name = HOSTILE.into();
        for i in &mut s.intervals {
            i.scenarios[0].name = HOSTILE.into();
        }
        s
    };
    let (base, new) = (rename(document(&same(1))), rename(document(&same(2))));
    let c = compare::compare(("base.json", &base), ("new.json", &new), &[]).unwrap();
    let html = compare::html::render(&c, &Condensed::new(base), &Condensed::new(new));
    assert_eq!(html.matches("<script").count(), 3);
    assert_eq!(html.matches("</script>").count(), 3);
    assert!(!html.contains("<!--"));
    let md = compare::markdown::render(&c);
    assert!(
        md.contains(
            "### scenario &lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;!--\\|\\*"
        ),
        "{md}"
    );
}

#[test]
fn merged_shards_compare_as_one_run() {
    let shard = |spec: &Spec, index: u64| {
        let mut s = document(spec);
        s.segment = Some(lot_report::Segment { index, count: 2 });
        (format!("shard-{index}.json"), s)
    };
    let merged =
        |a: &Spec, b: &Spec| lot_report::merge::merge(&[shard(a, 0), shard(b, 1)], false).unwrap();
    let base = merged(&same(1), &same(3));
    let new = merged(
        &Spec {
            shift_us: 5000,
            ..same(2)
        },
        &Spec {
            shift_us: 5000,
            ..same(4)
        },
    );
    assert_eq!(base.latency.count, 2 * N as u64);
    let c = compare::compare(("base.json", &base), ("new.json", &new), &[]).unwrap();
    assert_eq!(c.base.shards, "merged from 2 shards");
    assert!(c.warnings.is_empty(), "{:?}", c.warnings);
    let p99 = &c.groups[0].distributions[0].quantiles[4];
    assert_eq!(p99.name, "p99");
    assert!(p99.significant && p99.delta_us > 4900, "{p99:?}");
}

/// `document(spec)` with its 16 intervals repeated to `n`.
fn long_document(spec: &Spec, n: usize) -> Summary {
    let mut s = document(spec);
    let one = std::mem::take(&mut s.intervals);
    s.intervals = (0..n)
        .map(|k| {
            let mut i = one[k % one.len()].clone();
            i.index = k as u64;
            i.start_us = k as u64 * 1_000_000;
            i
        })
        .collect();
    s
}

/// The JSON data the HTML page embeds for its charts.
fn chart_data(html: &str) -> serde_json::Value {
    let start = html.find("id=\"lot-compare\"").unwrap();
    let start = start + html[start..].find('>').unwrap() + 1;
    let end = start + html[start..].find("</script>").unwrap();
    serde_json::from_str(&html[start..end]).unwrap()
}

#[test]
fn a_long_run_is_condensed_as_it_is_read() {
    let dir = temp_dir("compare-long");
    let n = compare::series::EXACT + 1000;
    let base = long_document(&same(1), n);
    let slower = long_document(
        &Spec {
            shift_us: 5000,
            ..same(2)
        },
        n,
    );
    let (bp, np) = (
        write(&dir, "base.json", &base),
        write(&dir, "slower.json", &slower),
    );
    let whole = compare::compare(("base.json", &base), ("slower.json", &slower), &[]).unwrap();
    let (bc, nc) = (
        Condensed::read(&bp, u64::MAX).unwrap(),
        Condensed::read(&np, u64::MAX).unwrap(),
    );
    assert!(bc.summary().intervals.is_empty());
    let condensed =
        compare::compare_condensed(("base.json", &bc), ("slower.json", &nc), &[]).unwrap();
    assert_eq!(
        compare::json::render(&whole),
        compare::json::render(&condensed)
    );
    // Past EXACT values the series are folded, and the guard still agrees.
    let p50 = quantile(&condensed, 0, "latency", "p50");
    assert!(p50.significant && p50.guard == Guard::Agrees, "{p50:?}");
    let same_again = Condensed::new(long_document(&same(3), n));
    let c =
        compare::compare_condensed(("base.json", &bc), ("same.json", &same_again), &[]).unwrap();
    assert!(any_significant(&c).is_empty(), "{:?}", any_significant(&c));
    // The charts over time keep every n-th interval, within their bound.
    let data = chart_data(&compare::html::render(&condensed, &bc, &nc));
    let t = data["groups"][0]["time"]["base"]["t"].as_array().unwrap();
    let bound = compare::series::MAX_POINTS;
    assert!(t.len() <= bound && t.len() > bound / 2, "{}", t.len());
    let p99 = data["groups"][3]["time"]["new"]["p99"].as_array().unwrap();
    assert!(p99.iter().all(|v| v.as_u64().is_some()), "a step's points");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A run long enough to fold its series (intervals of 2 s, but for the
/// last), compared with a short one of 1 s intervals: each run's points
/// are where its own intervals end, so the long one is drawn over its whole
/// length and the short one over its own, not at the other's intervals.
#[test]
fn runs_folded_differently_are_charted_at_their_own_times() {
    let n = lot_report::MAX_INTERVALS as u64 + 1000;
    let one_second = |mut s: Summary| {
        for i in &mut s.intervals {
            i.duration_us = 1_000_000;
        }
        s
    };
    let mut long = one_second(long_document(&same(1), n as usize));
    let last = long.intervals.pop();
    let mut series = lot_report::IntervalSeries::new(1_000_000);
    for i in std::mem::take(&mut long.intervals) {
        series.push(i);
    }
    long.intervals = series.finish(last);
    assert!(long.intervals.len() < n as usize, "folded");
    let short = Condensed::new(one_second(long_document(&same(2), 100)));
    let long = Condensed::new(long);
    let compared =
        compare::compare_condensed(("long.json", &long), ("short.json", &short), &[]).unwrap();
    let data = chart_data(&compare::html::render(&compared, &long, &short));
    let times = |run: &str| -> Vec<f64> {
        data["groups"][0]["time"][run]["t"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect()
    };
    let (t, short_t) = (times("base"), times("new"));
    assert!(t.windows(2).all(|w| w[0] < w[1]), "time goes forward");
    // Thinned to at most MAX_POINTS points, the last one within a stride
    // of the run's end.
    let end = n as f64;
    let last = *t.last().unwrap();
    assert!(last <= end && last > 0.99 * end, "{last} of {end} s");
    assert_eq!(t[0], 2.0, "the first interval is two ticks long");
    let expected: Vec<f64> = (1..=100).map(f64::from).collect();
    assert_eq!(short_t, expected, "the short run's own interval ends");
    let p50 = data["groups"][0]["time"]["new"]["p50"].as_array().unwrap();
    assert_eq!(p50.len(), 100);
}

#[test]
fn condensed_reading_checks_the_rows_as_render_does() {
    let dir = temp_dir("compare-rows");
    let base = write(&dir, "base.json", &document(&same(1)));
    let mut stranger = document(&same(2));
    stranger.intervals[3].scenarios[0].name = "nobody".into();
    let stranger = write(&dir, "stranger.json", &stranger);
    let o = lot_report(&["compare", &base, &stranger]);
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    assert_eq!(
        String::from_utf8_lossy(&o.stderr),
        format!(
            "lot-report: `{stranger}`: intervals[3].scenarios[0].name: not one of the run's scenarios\n"
        )
    );
    // Names are bounded as they are read, before the run's are known.
    let mut crowded = document(&same(2));
    let row = crowded.intervals[3].scenarios[0].clone();
    crowded.intervals[3].scenarios = (0..=lot_report::read::MAX_ROW_NAMES)
        .map(|k| lot_report::ScenarioInterval {
            name: format!("s{k}"),
            steps: Vec::new(),
            ..row.clone()
        })
        .collect();
    let crowded = write(&dir, "crowded.json", &crowded);
    let o = lot_report(&["compare", &base, &crowded]);
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.starts_with(&format!(
            "lot-report: `{crowded}` is not a lot JSON results document: intervals[3].scenarios["
        )) && stderr.contains("]: more than 10000 scenario and step names in the intervals' rows"),
        "{stderr}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
