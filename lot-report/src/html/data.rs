//! [`ChartData`], what the page's script draws every chart from: the
//! interval series of the run, of each scenario and of each step, in
//! columns, and the latency spectrum of the whole run.

use serde::Serialize;

use crate::model::{Interval, IntervalLatency, Start, Summary, Totals};
use crate::requests::HttpInterval;
use crate::stats::Stats;

/// The most points a series holds. When a series would grow past it, every
/// other point is dropped (and from then on only every other interval is
/// kept, then every fourth...), so a run of any length is drawn from at most
/// this many points.
pub const MAX_POINTS: usize = 4096;

/// The data every chart of the page is drawn from, embedded in the page as
/// one JSON object (see the [module docs](crate::html) for its fields).
///
/// Built whole from a [`Summary`] ([`ChartData::from_summary`]), or point by
/// point as a run goes on ([`ChartData::from_start`], then
/// [`ChartData::push_interval`]), which is how the live dashboard builds it.
/// Its memory is bounded by [`MAX_POINTS`] points per series.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ChartData {
    title: String,
    interval_s: f64,
    plan_s: f64,
    /// The index of the last interval taken in, or -1 before the first.
    seq: i64,
    /// How many intervals each point stands for (1, 2, 4, ...), see [`MAX_POINTS`].
    stride: u64,
    /// Intervals seen since the last point kept, while `stride > 1`.
    #[serde(skip)]
    pending: u64,
    /// Intervals shorter than half the period left out of the charts (the
    /// last one of a run, usually a few milliseconds long).
    skipped: u64,
    users: bool,
    #[serde(rename = "final")]
    is_final: bool,
    t: Vec<f64>,
    total: Series,
    /// The run's `lot::http` requests, from the first interval that had
    /// any (the points before it are zeros).
    #[serde(skip_serializing_if = "Option::is_none")]
    http: Option<HttpSeries>,
    scenarios: Vec<ScenarioSeries>,
    #[serde(skip_serializing_if = "Option::is_none")]
    spectrum: Option<Spectrum>,
    now: Now,
}

/// The series of the run or of one scenario: rates per second, counts at
/// the end of each interval, latency percentiles in microseconds (`None`
/// where no iteration completed).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
struct Series {
    target: Vec<f64>,
    achieved: Vec<f64>,
    ok: Vec<f64>,
    failed: Vec<f64>,
    dropped: Vec<f64>,
    interrupted: Vec<f64>,
    in_flight: Vec<f64>,
    users: Vec<f64>,
    #[serde(flatten)]
    latency: Latency,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
struct Latency {
    p50: Vec<Option<u64>>,
    p90: Vec<Option<u64>>,
    p99: Vec<Option<u64>>,
    max: Vec<Option<u64>>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
struct ScenarioSeries {
    name: String,
    series: Series,
    steps: Vec<StepSeries>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
struct StepSeries {
    name: String,
    ok: Vec<f64>,
    failed: Vec<f64>,
    #[serde(flatten)]
    latency: Latency,
}

/// The run's HTTP requests per second: responses by status class, those
/// that ended without one, and bytes sent and received.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
struct HttpSeries {
    s1xx: Vec<f64>,
    s2xx: Vec<f64>,
    s3xx: Vec<f64>,
    s4xx: Vec<f64>,
    s5xx: Vec<f64>,
    failed: Vec<f64>,
    sent: Vec<f64>,
    received: Vec<f64>,
}

impl HttpSeries {
    fn columns(&mut self) -> [&mut Vec<f64>; 8] {
        [
            &mut self.s1xx,
            &mut self.s2xx,
            &mut self.s3xx,
            &mut self.s4xx,
            &mut self.s5xx,
            &mut self.failed,
            &mut self.sent,
            &mut self.received,
        ]
    }

    fn push(&mut self, h: &HttpInterval, duration_us: u64) {
        let values = [
            h.status_1xx,
            h.status_2xx,
            h.status_3xx,
            h.status_4xx,
            h.status_5xx,
            h.failed,
            h.bytes_sent,
            h.bytes_received,
        ];
        for (column, n) in self.columns().into_iter().zip(values) {
            column.push(per_second(n, duration_us));
        }
    }

    fn slice(&self, from: usize) -> HttpSeries {
        let tail = |c: &Vec<f64>| c[from.min(c.len())..].to_vec();
        HttpSeries {
            s1xx: tail(&self.s1xx),
            s2xx: tail(&self.s2xx),
            s3xx: tail(&self.s3xx),
            s4xx: tail(&self.s4xx),
            s5xx: tail(&self.s5xx),
            failed: tail(&self.failed),
            sent: tail(&self.sent),
            received: tail(&self.received),
        }
    }
}

/// The whole run's percentile spectrum: `x` = log10(1 / (1 - q)).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
struct Spectrum {
    x: Vec<f64>,
    latency: Vec<Option<u64>>,
    service_time: Vec<Option<u64>>,
}

/// The headline numbers at the latest interval (or of the whole run).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
struct Now {
    elapsed_s: f64,
    totals: Totals,
    in_flight: u64,
    users: u64,
    achieved_rps: f64,
    target_rps: f64,
    p50_us: u64,
    p99_us: u64,
    /// Every threshold on the run so far, when the interval carried it (a
    /// live page's; see `Interval::snapshot`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    thresholds: Vec<LiveThreshold>,
}

/// One threshold's state on the run so far.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
struct LiveThreshold {
    expression: String,
    passed: bool,
    measured: String,
}

/// Every column of a set of series, for the operations that apply to all.
macro_rules! columns {
    ($s:expr, |$c:ident| $body:expr) => {{
        {
            let $c = &mut $s.target;
            $body;
        }
        {
            let $c = &mut $s.achieved;
            $body;
        }
        for $c in [
            &mut $s.ok,
            &mut $s.failed,
            &mut $s.dropped,
            &mut $s.interrupted,
            &mut $s.in_flight,
            &mut $s.users,
        ] {
            $body;
        }
    }};
}

/// Per second over `duration_us`, in floating point: a results file's
/// counts and durations may be anything (a zero duration counts as 1 µs).
fn per_second(count: u64, duration_us: u64) -> f64 {
    count as f64 / (duration_us.max(1) as f64 / 1e6)
}

fn thin<T: Copy>(v: &mut Vec<T>) {
    let mut i = 0;
    v.retain(|_| {
        i += 1;
        i % 2 == 1
    });
}

fn pad<T: Copy>(v: &mut Vec<T>, n: usize, with: T) {
    v.resize(n.max(v.len()), with);
}

impl Latency {
    fn push(&mut self, l: &IntervalLatency) {
        let some = |v| (l.count > 0).then_some(v);
        self.p50.push(some(l.p50_us));
        self.p90.push(some(l.p90_us));
        self.p99.push(some(l.p99_us));
        self.max.push(some(l.max_us));
    }

    fn each(&mut self, mut f: impl FnMut(&mut Vec<Option<u64>>)) {
        for c in [&mut self.p50, &mut self.p90, &mut self.p99, &mut self.max] {
            f(c);
        }
    }

    fn slice(&self, from: usize) -> Latency {
        Latency {
            p50: self.p50[from..].to_vec(),
            p90: self.p90[from..].to_vec(),
            p99: self.p99[from..].to_vec(),
            max: self.max[from..].to_vec(),
        }
    }
}

/// One interval's values for a [`Series`].
struct Point<'a> {
    duration_us: u64,
    target_rps: f64,
    achieved_rps: f64,
    counts: &'a Totals,
    in_flight: u64,
    users: u64,
    latency: &'a IntervalLatency,
}

impl Series {
    fn push(&mut self, p: &Point<'_>) {
        let rate = |n| per_second(n, p.duration_us);
        self.target.push(p.target_rps);
        self.achieved.push(p.achieved_rps);
        self.ok.push(rate(p.counts.ok));
        self.failed.push(rate(p.counts.failed));
        self.dropped.push(rate(p.counts.dropped));
        self.interrupted.push(rate(p.counts.interrupted));
        self.in_flight.push(p.in_flight as f64);
        self.users.push(p.users as f64);
        self.latency.push(p.latency);
    }

    fn pad(&mut self, n: usize) {
        columns!(self, |c| pad(c, n, 0.0));
        self.latency.each(|c| pad(c, n, None));
    }

    fn thin(&mut self) {
        columns!(self, |c| thin(c));
        self.latency.each(thin);
    }

    fn slice(&self, from: usize) -> Series {
        Series {
            target: self.target[from..].to_vec(),
            achieved: self.achieved[from..].to_vec(),
            ok: self.ok[from..].to_vec(),
            failed: self.failed[from..].to_vec(),
            dropped: self.dropped[from..].to_vec(),
            interrupted: self.interrupted[from..].to_vec(),
            in_flight: self.in_flight[from..].to_vec(),
            users: self.users[from..].to_vec(),
            latency: self.latency.slice(from),
        }
    }
}

impl StepSeries {
    fn pad(&mut self, n: usize) {
        pad(&mut self.ok, n, 0.0);
        pad(&mut self.failed, n, 0.0);
        self.latency.each(|c| pad(c, n, None));
    }
}

impl ChartData {
    /// Empty data for a run about to start: its title and period, no points.
    pub fn from_start(start: &Start) -> ChartData {
        let plan_s = start.plan.duration_us as f64 / 1e6;
        ChartData::new(&start.scenarios, start.limits.interval_us, plan_s)
    }

    fn new(names: &[String], interval_us: u64, plan_s: f64) -> ChartData {
        ChartData {
            title: format!("lot: {}", names.join(", ")),
            interval_s: interval_us as f64 / 1e6,
            plan_s,
            seq: -1,
            stride: 1,
            scenarios: names
                .iter()
                .map(|name| ScenarioSeries {
                    name: name.clone(),
                    ..ScenarioSeries::default()
                })
                .collect(),
            ..ChartData::default()
        }
    }

    /// The data of a whole run: its interval series and its spectrum.
    pub fn from_summary(s: &Summary) -> ChartData {
        let names: Vec<String> = s.scenarios.iter().map(|sc| sc.name.clone()).collect();
        let mut data = ChartData::new(
            &names,
            s.limits.interval_us,
            s.plan.duration_us as f64 / 1e6,
        );
        for i in &s.intervals {
            data.push_interval(i);
        }
        data.spectrum = Some(Spectrum::of(&s.latency, &s.service_time));
        data.is_final = true;
        data.now = Now {
            elapsed_s: s.duration_us as f64 / 1e6,
            totals: s.totals,
            achieved_rps: s.achieved_rps,
            target_rps: s.target_rps,
            p50_us: s.latency.p50_us,
            p99_us: s.latency.p99_us,
            ..data.now
        };
        data
    }

    /// Takes in one interval: the headline numbers always, and a point of
    /// every series unless the interval is a sliver (shorter than half the
    /// period, as a run's last one usually is: a rate over a few
    /// milliseconds swings wildly, and in-flight work drops to none) or
    /// falls between the points kept once the series were thinned (see
    /// [`MAX_POINTS`]). Returns whether a point was added.
    pub fn push_interval(&mut self, i: &Interval) -> bool {
        self.seq = i64::try_from(i.index).unwrap_or(i64::MAX);
        self.users |= i.users > 0;
        self.now = Now {
            elapsed_s: (i.start_us as f64 + i.duration_us as f64) / 1e6,
            totals: i.cumulative,
            in_flight: i.in_flight,
            users: i.users,
            achieved_rps: i.achieved_rps,
            target_rps: i.target_rps,
            p50_us: i.latency.p50_us,
            p99_us: i.latency.p99_us,
            thresholds: i
                .snapshot
                .iter()
                .flat_map(|s| &s.thresholds)
                .map(|t| LiveThreshold {
                    expression: t.expression.clone(),
                    passed: t.passed,
                    measured: t.measured.clone(),
                })
                .collect(),
        };
        let period_us = self.interval_s * 1e6;
        if !self.t.is_empty() && (i.duration_us as f64) * 2.0 < period_us {
            self.skipped += 1;
            return false;
        }
        self.pending += 1;
        if self.pending < self.stride {
            return false;
        }
        self.pending = 0;
        self.push_point(i);
        if self.t.len() > MAX_POINTS {
            self.thin();
        }
        true
    }

    fn push_point(&mut self, i: &Interval) {
        let n = self.t.len();
        self.t
            .push((i.start_us as f64 + i.duration_us as f64) / 1e6);
        self.total.push(&Point {
            duration_us: i.duration_us,
            target_rps: i.target_rps,
            achieved_rps: i.achieved_rps,
            counts: &i.counts,
            in_flight: i.in_flight,
            users: i.users,
            latency: &i.latency,
        });
        let http = i.http();
        if self.http.is_some() || !http.is_empty() {
            let series = self.http.get_or_insert_with(HttpSeries::default);
            for column in series.columns() {
                pad(column, n, 0.0);
            }
            series.push(&http, i.duration_us);
        }
        for sc in &i.scenarios {
            let series = self.scenario(&sc.name, n);
            series.series.push(&Point {
                duration_us: i.duration_us,
                target_rps: sc.target_rps,
                achieved_rps: per_second(sc.started, i.duration_us),
                counts: &sc.counts,
                in_flight: sc.in_flight,
                users: sc.users,
                latency: &sc.latency,
            });
            for st in &sc.steps {
                let step = match series.steps.iter().position(|s| s.name == st.name) {
                    Some(k) => &mut series.steps[k],
                    None => {
                        series.steps.push(StepSeries {
                            name: st.name.clone(),
                            ..StepSeries::default()
                        });
                        series.steps.last_mut().expect("just pushed")
                    }
                };
                step.pad(n);
                step.ok.push(per_second(st.ok, i.duration_us));
                step.failed.push(per_second(st.failed, i.duration_us));
                step.latency.push(&st.latency);
            }
        }
        let n = self.t.len();
        self.total.pad(n);
        for sc in &mut self.scenarios {
            sc.series.pad(n);
            for st in &mut sc.steps {
                st.pad(n);
            }
        }
    }

    /// The scenario named `name`, added (with `n` empty points) if new.
    fn scenario(&mut self, name: &str, n: usize) -> &mut ScenarioSeries {
        let k = match self.scenarios.iter().position(|s| s.name == name) {
            Some(k) => k,
            None => {
                self.scenarios.push(ScenarioSeries {
                    name: name.to_owned(),
                    ..ScenarioSeries::default()
                });
                self.scenarios.len() - 1
            }
        };
        let sc = &mut self.scenarios[k];
        sc.series.pad(n);
        sc
    }

    fn thin(&mut self) {
        thin(&mut self.t);
        self.total.thin();
        if let Some(http) = &mut self.http {
            http.columns().into_iter().for_each(thin);
        }
        for sc in &mut self.scenarios {
            sc.series.thin();
            for st in &mut sc.steps {
                thin(&mut st.ok);
                thin(&mut st.failed);
                st.latency.each(thin);
            }
        }
        self.stride = self.stride.saturating_mul(2);
    }

    /// The page's title: `lot: ` and the scenarios' names.
    pub fn title(&self) -> &str {
        &self.title
    }

    /// How many points each series holds.
    pub fn points(&self) -> usize {
        self.t.len()
    }

    /// The same data with only the last `n` points of each series: what the
    /// live page appends to the points it has.
    pub fn tail(&self, n: usize) -> ChartData {
        let from = self.t.len().saturating_sub(n);
        ChartData {
            t: self.t[from..].to_vec(),
            total: self.total.slice(from),
            http: self.http.as_ref().map(|h| h.slice(from)),
            scenarios: self
                .scenarios
                .iter()
                .map(|sc| ScenarioSeries {
                    name: sc.name.clone(),
                    series: sc.series.slice(from),
                    steps: sc
                        .steps
                        .iter()
                        .map(|st| StepSeries {
                            name: st.name.clone(),
                            ok: st.ok[from..].to_vec(),
                            failed: st.failed[from..].to_vec(),
                            latency: st.latency.slice(from),
                        })
                        .collect(),
                })
                .collect(),
            spectrum: None,
            title: self.title.clone(),
            now: self.now.clone(),
            ..*self
        }
    }

    /// The data as JSON that is safe inside an HTML `<script>` element (and
    /// in a server-sent event's one data line): `<`, `>`, `&` and the two
    /// line separators JavaScript treats as line ends are written as
    /// `\u` escapes, so no name from the run can close the element.
    pub fn to_json(&self) -> String {
        let json = serde_json::to_string(self).expect("chart data serializes");
        script_safe(&json)
    }
}

/// JSON text with the characters that could end a `<script>` element or a
/// line written as `\u` escapes (valid JSON, since they occur only in strings).
pub(crate) fn script_safe(json: &str) -> String {
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

impl Spectrum {
    /// The percentile spectrum of two histograms, on the quantiles of the
    /// first (the second read at the same quantiles).
    fn of(latency: &Stats, service_time: &Stats) -> Spectrum {
        const X_CAP: f64 = 6.0;
        let mut out = Spectrum::default();
        let (Ok(l), s) = (latency.histogram(), service_time.histogram()) else {
            return out;
        };
        if l.is_empty() {
            return out;
        }
        let s = s.ok().filter(|h| !h.is_empty());
        for v in l.iter_quantiles(2) {
            let q = v.quantile_iterated_to();
            let x = if q >= 1.0 {
                X_CAP
            } else {
                (1.0 / (1.0 - q)).log10().min(X_CAP)
            };
            if out.x.last().is_some_and(|&last| x - last < 1e-3) {
                continue;
            }
            out.x.push(x);
            out.latency.push(Some(v.value_iterated_to()));
            out.service_time
                .push(s.as_ref().map(|h| h.value_at_quantile(q.min(1.0))));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ScenarioInterval, StepInterval};

    fn interval(index: u64, duration_us: u64) -> Interval {
        let counts = Totals {
            scheduled: 10,
            ok: 8,
            failed: 2,
            ..Totals::default()
        };
        let latency = IntervalLatency {
            count: 10,
            p50_us: 1000,
            p90_us: 2000,
            p99_us: 3000,
            max_us: 4000,
        };
        Interval {
            index,
            start_us: index * 1_000_000,
            duration_us,
            counts,
            latency,
            scenarios: vec![ScenarioInterval {
                name: "a".into(),
                counts,
                latency,
                steps: (0..index.min(2))
                    .map(|k| StepInterval {
                        name: format!("step {k}"),
                        ok: 1,
                        failed: 0,
                        latency,
                    })
                    .collect(),
                ..ScenarioInterval::default()
            }],
            ..Interval::default()
        }
    }

    fn start() -> ChartData {
        ChartData::new(&["a".to_owned()], 1_000_000, 10.0)
    }

    #[test]
    fn rates_per_second_and_late_steps_backfilled() {
        let mut d = start();
        for k in 0..4 {
            assert!(d.push_interval(&interval(k, 1_000_000)));
        }
        assert_eq!(d.t, [1.0, 2.0, 3.0, 4.0]);
        assert_eq!(d.total.ok, [8.0; 4]);
        let steps = &d.scenarios[0].steps;
        assert_eq!(steps.len(), 2);
        assert_eq!(steps[0].ok, [0.0, 1.0, 1.0, 1.0]);
        assert_eq!(steps[1].latency.p99, [None, None, Some(3000), Some(3000)]);
        assert_eq!(d.tail(1).t, [4.0]);
        assert_eq!(d.tail(1).scenarios[0].steps[1].ok, [1.0]);
    }

    #[test]
    fn http_series_start_with_the_first_requests_and_are_per_second() {
        let mut d = start();
        d.push_interval(&interval(0, 1_000_000));
        assert!(d.http.is_none(), "no requests, no series");
        for k in 1..3 {
            let mut i = interval(k, 500_000);
            i.scenarios[0].http = HttpInterval {
                requests: 6,
                failed: 1,
                bytes_sent: 100,
                bytes_received: 1000,
                status_2xx: 4,
                status_5xx: 1,
                ..HttpInterval::default()
            };
            d.push_interval(&i);
        }
        let http = d.http.as_ref().unwrap();
        // The point before the first requests is a zero; rates are per second.
        assert_eq!(http.s2xx, [0.0, 8.0, 8.0]);
        assert_eq!(http.s5xx, [0.0, 2.0, 2.0]);
        assert_eq!(http.failed, [0.0, 2.0, 2.0]);
        assert_eq!(http.received, [0.0, 2000.0, 2000.0]);
        assert_eq!(d.tail(1).http.unwrap().sent, [200.0]);
        assert!(d.to_json().contains("\"http\":{\"s1xx\":[0.0,0.0,0.0]"));
    }

    #[test]
    fn a_sliver_at_the_end_updates_the_headline_only() {
        let mut d = start();
        assert!(d.push_interval(&interval(0, 1_000_000)));
        let mut last = interval(1, 3_000);
        last.cumulative.ok = 99;
        assert!(!d.push_interval(&last));
        assert_eq!((d.points(), d.skipped, d.now.totals.ok), (1, 1, 99));
    }

    #[test]
    fn series_are_thinned_beyond_the_bound() {
        let mut d = start();
        let added = (0..2 * MAX_POINTS as u64)
            .filter(|&k| d.push_interval(&interval(k, 1_000_000)))
            .count();
        assert!(d.points() <= MAX_POINTS, "{}", d.points());
        assert!(added > MAX_POINTS);
        assert_eq!(d.stride, 2);
        assert_eq!(d.total.ok.len(), d.points());
        assert_eq!(d.scenarios[0].steps[0].latency.max.len(), d.points());
        // Evenly spaced: two intervals per point.
        assert_eq!(d.t[1] - d.t[0], 2.0);
        assert_eq!(d.t[d.points() - 1] - d.t[d.points() - 2], 2.0);
    }

    #[test]
    fn json_cannot_close_the_script_element() {
        let mut d = ChartData::new(&["</script><script>alert(1)</script>".to_owned()], 1, 1.0);
        d.title.push_str(" & \u{2028}");
        let json = d.to_json();
        assert!(!json.contains('<') && !json.contains('>') && !json.contains('&'));
        let back: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(
            back["scenarios"][0]["name"],
            "</script><script>alert(1)</script>"
        );
    }
}
