//! The page's charts: inline SVG line charts drawn here, and the series
//! each chart shows.

use std::fmt::Write as _;

use crate::html::markup::escape;
use crate::model::{Interval, Summary};
use crate::stats::Stats;
use crate::units::fmt_us;

/// How a chart's y values are labelled.
#[derive(Clone, Copy)]
enum Unit {
    PerSecond,
    Micros,
    Count,
}

impl Unit {
    fn label(self, v: f64) -> String {
        match self {
            Unit::PerSecond => format!("{}/s", short(v)),
            Unit::Micros => fmt_us(v.round() as u64),
            Unit::Count => short(v),
        }
    }
}

fn short(v: f64) -> String {
    if v >= 1e6 {
        format!("{:.1}M", v / 1e6)
    } else if v >= 1e4 {
        format!("{:.0}k", v / 1e3)
    } else if v >= 1e3 {
        format!("{:.1}k", v / 1e3)
    } else if v == v.trunc() {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

struct Series {
    name: &'static str,
    points: Vec<(f64, f64)>,
}

/// How the x axis is labelled.
enum XAxis {
    /// Seconds since the start of the run.
    Seconds,
    /// Percentiles on a log scale: x = log10(1 / (1 - q)).
    Percentile,
}

pub(super) struct Chart<'a> {
    id: &'a str,
    title: &'a str,
    unit: Unit,
    x_axis: XAxis,
    series: Vec<Series>,
}

const W: f64 = 760.0;
const H: f64 = 280.0;
const LEFT: f64 = 70.0;
const RIGHT: f64 = 40.0;
const TOP: f64 = 20.0;
const BOTTOM: f64 = 40.0;

/// A "nice" upper bound for an axis: 1, 2 or 5 times a power of ten.
fn nice_max(v: f64) -> f64 {
    if v <= 0.0 || !v.is_finite() {
        return 1.0;
    }
    let p = 10f64.powf(v.log10().floor());
    [1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0]
        .into_iter()
        .map(|m| m * p)
        .find(|&m| m >= v)
        .unwrap_or(10.0 * p)
}

impl Chart<'_> {
    pub(super) fn render(&self, out: &mut String) {
        let points = self.series.iter().map(|s| s.points.len()).sum::<usize>();
        let _ = write!(
            out,
            "<figure class=\"chart\"><figcaption>{}</figcaption>",
            escape(self.title)
        );
        let _ = write!(
            out,
            "<svg id=\"{}\" viewBox=\"0 0 {W} {H}\" role=\"img\" aria-label=\"{}\" data-points=\"{points}\">",
            self.id,
            escape(self.title)
        );
        let all = || self.series.iter().flat_map(|s| s.points.iter());
        let x_min = all().map(|p| p.0).fold(f64::INFINITY, f64::min);
        let x_max = all().map(|p| p.0).fold(f64::NEG_INFINITY, f64::max);
        if points == 0 || !x_min.is_finite() {
            out.push_str("<text x=\"380\" y=\"140\" class=\"empty\">no data</text></svg></figure>");
            return;
        }
        let (x_min, x_max) = match self.x_axis {
            XAxis::Seconds => (0.0, x_max.max(x_min + 1e-9)),
            XAxis::Percentile => (0.0, x_max.max(1.0).ceil()),
        };
        let mut y_max = nice_max(all().map(|p| p.1).fold(0.0, f64::max));
        if let Unit::Count = self.unit {
            // Whole numbers on every grid line.
            y_max = (y_max / 4.0).ceil() * 4.0;
        }
        let sx = |x: f64| LEFT + (x - x_min) / (x_max - x_min) * (W - LEFT - RIGHT);
        let sy = |y: f64| H - BOTTOM - y / y_max * (H - TOP - BOTTOM);

        // Grid and y labels.
        for i in 0..=4 {
            let y = y_max * f64::from(i) / 4.0;
            let _ = write!(
                out,
                "<line class=\"grid\" x1=\"{LEFT}\" x2=\"{}\" y1=\"{y1:.1}\" y2=\"{y1:.1}\"/><text class=\"ylabel\" x=\"{}\" y=\"{:.1}\">{}</text>",
                W - RIGHT,
                LEFT - 6.0,
                sy(y) + 4.0,
                escape(&self.unit.label(y)),
                y1 = sy(y),
            );
        }
        // X labels.
        match self.x_axis {
            XAxis::Seconds => {
                let step = nice_max((x_max - x_min) / 6.0);
                let mut x = x_min;
                while x <= x_max + step * 1e-9 {
                    let _ = write!(
                        out,
                        "<text class=\"xlabel\" x=\"{:.1}\" y=\"{}\">{}</text>",
                        sx(x),
                        H - BOTTOM + 18.0,
                        seconds(x)
                    );
                    x += step;
                }
            }
            XAxis::Percentile => {
                let mut decade = 0.0;
                while decade <= x_max {
                    let label = match decade as u32 {
                        0 => "0%".to_owned(),
                        n => format!("{}%", 100.0 - 100.0 / 10f64.powi(n as i32)),
                    };
                    let _ = write!(
                        out,
                        "<line class=\"grid\" x1=\"{x:.1}\" x2=\"{x:.1}\" y1=\"{TOP}\" y2=\"{}\"/><text class=\"xlabel\" x=\"{x:.1}\" y=\"{}\">{label}</text>",
                        H - BOTTOM,
                        H - BOTTOM + 18.0,
                        x = sx(decade),
                    );
                    decade += 1.0;
                }
            }
        }
        let _ = write!(
            out,
            "<line class=\"axis\" x1=\"{LEFT}\" x2=\"{}\" y1=\"{y:.1}\" y2=\"{y:.1}\"/>",
            W - RIGHT,
            y = sy(0.0)
        );
        for (i, s) in self.series.iter().enumerate() {
            let mut pts = String::with_capacity(s.points.len() * 14);
            for &(x, y) in &s.points {
                let _ = write!(pts, "{:.1},{:.1} ", sx(x), sy(y));
            }
            let _ = write!(
                out,
                "<polyline class=\"series s{i}\" data-series=\"{}\" data-points=\"{}\" points=\"{}\"/>",
                s.name,
                s.points.len(),
                pts.trim_end()
            );
        }
        out.push_str("</svg><div class=\"legend\">");
        for (i, s) in self.series.iter().enumerate() {
            let _ = write!(
                out,
                "<span><i class=\"swatch s{i}\"></i>{}</span>",
                escape(s.name)
            );
        }
        out.push_str("</div></figure>");
    }
}

/// An x-axis label in seconds: `0s`, `2.5s`, `90s`, `12m`.
fn seconds(x: f64) -> String {
    if x >= 600.0 {
        format!("{:.0}m", x / 60.0)
    } else if x >= 10.0 || x == x.trunc() {
        format!("{x:.0}s")
    } else {
        format!("{x:.1}s")
    }
}

/// Points of the percentile spectrum of a histogram: x = log10(1/(1-q)).
fn spectrum(stats: &Stats) -> Vec<(f64, f64)> {
    let Ok(h) = stats.histogram() else {
        return Vec::new();
    };
    if h.is_empty() {
        return Vec::new();
    }
    const X_CAP: f64 = 6.0;
    h.iter_quantiles(5)
        .map(|v| {
            let q = v.quantile_iterated_to();
            let x = if q >= 1.0 {
                X_CAP
            } else {
                (1.0 / (1.0 - q)).log10().min(X_CAP)
            };
            (x, v.value_iterated_to() as f64)
        })
        .collect()
}

/// The x of an interval's point: the end of the interval, in seconds. In
/// floating point: counts and durations read from a file can be anything.
fn secs(i: &Interval) -> f64 {
    (i.start_us as f64 + i.duration_us as f64) / 1e6
}

/// The charts of the page, in order.
pub(super) fn charts(s: &Summary) -> [Chart<'static>; 5] {
    [
        rate_chart(s),
        latency_chart(s),
        failures_chart(s),
        concurrency_chart(s),
        distribution_chart(s),
    ]
}

fn rate_chart(s: &Summary) -> Chart<'static> {
    // A rate over a sliver of an interval (the run's last one is often a few
    // milliseconds) swings wildly; the rate chart leaves such slivers out,
    // the CSV keeps them.
    let whole = |i: &&Interval| i.duration_us.saturating_mul(2) >= s.limits.interval_us;
    Chart {
        id: "chart-rate",
        title: "Arrival rate: target and achieved",
        unit: Unit::PerSecond,
        x_axis: XAxis::Seconds,
        series: vec![
            Series {
                name: "target",
                points: s
                    .intervals
                    .iter()
                    .filter(whole)
                    .map(|i| (secs(i), i.target_rps))
                    .collect(),
            },
            Series {
                name: "achieved",
                points: s
                    .intervals
                    .iter()
                    .filter(whole)
                    .map(|i| (secs(i), i.achieved_rps))
                    .collect(),
            },
        ],
    }
}

fn latency_chart(s: &Summary) -> Chart<'static> {
    Chart {
        id: "chart-latency",
        title: "Latency percentiles per interval",
        unit: Unit::Micros,
        x_axis: XAxis::Seconds,
        series: [("p50", 0), ("p90", 1), ("p99", 2), ("max", 3)]
            .into_iter()
            .map(|(name, k)| Series {
                name,
                points: s
                    .intervals
                    .iter()
                    .filter(|i| i.latency.count > 0)
                    .map(|i| {
                        let l = &i.latency;
                        let v = [l.p50_us, l.p90_us, l.p99_us, l.max_us][k];
                        (secs(i), v as f64)
                    })
                    .collect(),
            })
            .collect(),
    }
}

fn failures_chart(s: &Summary) -> Chart<'static> {
    Chart {
        id: "chart-errors",
        title: "Failures, drops and interruptions per interval",
        unit: Unit::Count,
        x_axis: XAxis::Seconds,
        series: vec![
            Series {
                name: "failed",
                points: s
                    .intervals
                    .iter()
                    .map(|i| (secs(i), i.counts.failed as f64))
                    .collect(),
            },
            Series {
                name: "dropped",
                points: s
                    .intervals
                    .iter()
                    .map(|i| (secs(i), i.counts.dropped as f64))
                    .collect(),
            },
            Series {
                name: "interrupted",
                points: s
                    .intervals
                    .iter()
                    .map(|i| (secs(i), i.counts.interrupted as f64))
                    .collect(),
            },
        ],
    }
}

fn concurrency_chart(s: &Summary) -> Chart<'static> {
    Chart {
        id: "chart-concurrency",
        title: "Iterations in flight and users",
        unit: Unit::Count,
        x_axis: XAxis::Seconds,
        series: vec![
            Series {
                name: "in flight",
                points: s
                    .intervals
                    .iter()
                    .map(|i| (secs(i), i.in_flight as f64))
                    .collect(),
            },
            Series {
                name: "users",
                points: if s.intervals.iter().any(|i| i.users > 0) {
                    s.intervals
                        .iter()
                        .map(|i| (secs(i), i.users as f64))
                        .collect()
                } else {
                    Vec::new()
                },
            },
        ],
    }
}

fn distribution_chart(s: &Summary) -> Chart<'static> {
    Chart {
        id: "chart-distribution",
        title: "Latency distribution (percentile spectrum)",
        unit: Unit::Micros,
        x_axis: XAxis::Percentile,
        series: vec![
            Series {
                name: "latency",
                points: spectrum(&s.latency),
            },
            Series {
                name: "service time",
                points: spectrum(&s.service_time),
            },
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_axis_bounds() {
        for (v, want) in [
            (0.0, 1.0),
            (0.7, 0.8),
            (1.0, 1.0),
            (1.2, 1.5),
            (3.0, 3.0),
            (7.0, 8.0),
            (201.0, 250.0),
            (420.0, 500.0),
        ] {
            assert_eq!(nice_max(v), want, "{v}");
        }
    }
}
