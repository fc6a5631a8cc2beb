//! Stage math: the exact arrival instants of a piecewise-linear rate plan.
//!
//! A plan is a list of stages; in each, the arrival rate moves linearly from
//! `from` to `to` iterations per second over the stage's duration. The
//! cumulative count `N(t)`, the integral of the rate from the start of the plan,
//! is therefore piecewise quadratic, and it is computed in closed form, never
//! by adding up `1/rate` steps.
//!
//! **Convention.** Arrival `k` (counting from 0) is due at the first instant
//! `t` where `N(t) = k + 1`: an iteration starts once a whole iteration's
//! worth of rate has accumulated. Fractions carry across stage boundaries
//! because `N` runs over the whole plan. A plan therefore starts exactly
//! `floor(N(end))` iterations, the first one after the rate has accumulated one
//! arrival (a 100/s stage starts its first at 10 ms and its last at its very
//! end), and arrivals are spread without rounding to any timer: the instant of
//! every arrival is computed to the nanosecond. To absorb floating-point
//! representation error (0.1/s for 10 s is one arrival, not 0.999…), a count
//! within a relative 10⁻¹² of a whole number (at least 10⁻⁹, at most 10⁻⁶) is
//! taken as that number. A plan may start at most [`MAX_ITERATIONS`] (2^53)
//! iterations.
//!
//! Within a stage of length `d` starting with `m₀` arrivals already accumulated,
//! `N(s) = m₀ + a·s + (b − a)·s²/(2d)` for rates `a → b`; arrival `m` is at
//! `s = 2(m − m₀) / (a + √(a² + 2(b − a)(m − m₀)/d))`, which is the constant
//! rate's `(m − m₀)/a` when `a = b`, stays finite when `a = 0`, and never
//! cancels catastrophically.

use std::fmt;
use std::time::Duration;

/// A number usable as an arrival rate in iterations per second (or a number
/// of users): any integer or float type, so `add_stage(0, 100, d)` and
/// `add_stage(0.5, 2.5, d)` both work.
pub trait Rate: Copy {
    /// The rate as `f64`.
    fn per_second(self) -> f64;
}

macro_rules! rate_impls {
    ($($t:ty),*) => {$(
        impl Rate for $t {
            fn per_second(self) -> f64 {
                self as f64
            }
        }
    )*};
}
rate_impls!(
    i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize, f32, f64
);

/// One stage of an arrival-rate plan: the rate moves linearly from `from` to
/// `to` iterations per second over `duration`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Stage {
    /// Arrival rate at the start of the stage, iterations per second.
    pub from: f64,
    /// Arrival rate at the end of the stage, iterations per second.
    pub to: f64,
    /// Length of the stage.
    pub duration: Duration,
}

impl Stage {
    /// A stage ramping from `from` to `to` iterations per second over `duration`.
    pub fn new(from: f64, to: f64, duration: Duration) -> Stage {
        Stage { from, to, duration }
    }
}

/// An invalid plan.
#[derive(Clone, Debug, PartialEq)]
pub enum PlanError {
    /// The plan has no stages.
    NoStages,
    /// The plan adds up to more than [`MAX_ITERATIONS`] arrivals.
    TooManyIterations {
        /// Index of the stage where the count passes the limit, from 0.
        stage: usize,
        /// The plan's count up to the end of that stage.
        count: f64,
    },
    /// A rate is negative, NaN or infinite.
    InvalidRate {
        /// Index of the stage, from 0.
        stage: usize,
        /// `"from"` or `"to"`.
        which: &'static str,
        /// The rate given.
        value: f64,
    },
}

impl fmt::Display for PlanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PlanError::NoStages => f.write_str(
                "the plan has no stages; add at least one with add_stage(from_rps, to_rps, duration)",
            ),
            PlanError::TooManyIterations { stage, count } => write!(
                f,
                "stage {stage}: the plan adds up to {count:e} iterations by the end of this stage; expected at most 2^53 ({MAX_ITERATIONS})"
            ),
            PlanError::InvalidRate {
                stage,
                which,
                value,
            } => write!(
                f,
                "stage {stage}: `{which}` rate {value} is invalid; expected a finite number of iterations per second >= 0"
            ),
        }
    }
}

impl std::error::Error for PlanError {}

#[derive(Clone, Copy, Debug)]
struct Segment {
    start_ns: u64,
    duration_ns: u64,
    /// Duration in seconds.
    d: f64,
    a: f64,
    b: f64,
    /// Arrivals accumulated at the start of the segment.
    m0: f64,
    /// Arrivals accumulated at its end.
    m1: f64,
}

impl Segment {
    /// Accumulated arrivals `s` seconds into the segment.
    fn count_at(&self, s: f64) -> f64 {
        if self.d == 0.0 {
            return self.m1;
        }
        let s = s.clamp(0.0, self.d);
        self.m0 + self.a * s + (self.b - self.a) * s * s / (2.0 * self.d)
    }

    /// Offset (ns from the plan start) at which `m` arrivals have accumulated.
    fn offset_of(&self, m: f64) -> u64 {
        let dm = (m - self.m0).max(0.0);
        let disc = (self.a * self.a + 2.0 * (self.b - self.a) * dm / self.d).max(0.0);
        let s = 2.0 * dm / (self.a + disc.sqrt());
        let ns = (s * 1e9).round();
        let ns = if ns.is_finite() { ns as u64 } else { 0 };
        self.start_ns + ns.min(self.duration_ns)
    }
}

/// How far from a whole number an accumulated count may be and still be
/// taken as that number: representation error, never a real fraction.
fn tolerance(x: f64) -> f64 {
    (x.abs() * 1e-12).clamp(1e-9, 1e-6)
}

/// The number of whole arrivals in an accumulated count `m` (or whole users
/// in a level).
pub(crate) fn whole(m: f64) -> f64 {
    let r = m.round();
    if (m - r).abs() <= tolerance(m) {
        r
    } else {
        m.floor()
    }
}

/// Whether arrival (or user slot) `k` belongs to shard `index` of `count`
/// in a distributed run: shards take every `count`-th arrival, so their
/// starts interleave evenly and together they make up the whole schedule.
pub fn owned_by(k: u64, index: u64, count: u64) -> bool {
    count <= 1 || k % count == index
}

/// How many of the user slots `0..level` belong to shard `index` of `count`.
pub fn slots_owned(level: u64, index: u64, count: u64) -> u64 {
    let count = count.max(1);
    (level + count - 1 - index.min(count - 1)) / count
}

/// The most arrivals a plan may start: beyond 2^53 an `f64` count can no
/// longer tell one arrival from the next.
pub const MAX_ITERATIONS: u64 = 1 << 53;

/// The arrival instants of a plan, computed on demand.
#[derive(Clone, Debug)]
pub struct Schedule {
    segments: Vec<Segment>,
    total: u64,
    duration: Duration,
}

impl Schedule {
    /// Validates `stages` and builds their schedule.
    pub fn new(stages: &[Stage]) -> Result<Schedule, PlanError> {
        if stages.is_empty() {
            return Err(PlanError::NoStages);
        }
        let mut segments = Vec::with_capacity(stages.len());
        let mut start_ns = 0u64;
        let mut m = 0.0f64;
        for (i, st) in stages.iter().enumerate() {
            for (which, value) in [("from", st.from), ("to", st.to)] {
                if !value.is_finite() || value < 0.0 {
                    return Err(PlanError::InvalidRate {
                        stage: i,
                        which,
                        value,
                    });
                }
            }
            let duration_ns = u64::try_from(st.duration.as_nanos()).unwrap_or(u64::MAX);
            let d = st.duration.as_secs_f64();
            let m1 = m + (st.from + st.to) / 2.0 * d;
            if m1.is_nan() || m1 > MAX_ITERATIONS as f64 {
                return Err(PlanError::TooManyIterations {
                    stage: i,
                    count: m1,
                });
            }
            segments.push(Segment {
                start_ns,
                duration_ns,
                d,
                a: st.from,
                b: st.to,
                m0: m,
                m1,
            });
            start_ns = start_ns.saturating_add(duration_ns);
            m = m1;
        }
        let total = whole(m) as u64;
        Ok(Schedule {
            segments,
            total,
            duration: Duration::from_nanos(start_ns),
        })
    }

    /// Number of arrivals the plan starts: the floor of its integral.
    pub fn len(&self) -> u64 {
        self.total
    }

    /// Whether the plan starts no iteration at all.
    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// Length of the plan.
    pub fn duration(&self) -> Duration {
        self.duration
    }

    /// Arrivals accumulated `offset` into the plan: `N(t)`, not rounded.
    pub fn count_at(&self, offset: Duration) -> f64 {
        let ns = u64::try_from(offset.as_nanos()).unwrap_or(u64::MAX);
        let i = self
            .segments
            .partition_point(|s| s.start_ns.saturating_add(s.duration_ns) <= ns);
        match self.segments.get(i) {
            Some(seg) => seg.count_at((ns - seg.start_ns) as f64 / 1e9),
            None => self.segments.last().map_or(0.0, |s| s.m1),
        }
    }

    /// The level of the plan `offset` into it: the arrival rate, or for a
    /// users load the number of users, interpolated within its stage. After
    /// the plan's end, the last stage's final level.
    pub fn level_at(&self, offset: Duration) -> f64 {
        let ns = u64::try_from(offset.as_nanos()).unwrap_or(u64::MAX);
        let i = self
            .segments
            .partition_point(|s| s.start_ns.saturating_add(s.duration_ns) <= ns);
        match self.segments.get(i) {
            Some(seg) if seg.duration_ns > 0 => {
                let s = (ns - seg.start_ns) as f64 / seg.duration_ns as f64;
                seg.a + (seg.b - seg.a) * s
            }
            Some(seg) => seg.a,
            None => self.segments.last().map_or(0.0, |s| s.b),
        }
    }

    /// Offset from the plan's start at which arrival `k` is due, or `None`
    /// when `k >= self.len()`.
    pub fn offset(&self, k: u64) -> Option<Duration> {
        if k >= self.total {
            return None;
        }
        let m = (k + 1) as f64;
        let i = self
            .segments
            .partition_point(|s| whole(s.m1) < m)
            .min(self.segments.len() - 1);
        Some(Duration::from_nanos(self.segments[i].offset_of(m)))
    }

    /// Every arrival, in order, as offsets from the plan's start.
    pub fn arrivals(&self) -> Arrivals<'_> {
        Arrivals {
            schedule: self,
            next: 0,
            segment: 0,
            last_ns: 0,
        }
    }
}

/// The arrivals of a [`Schedule`] in order: see [`Schedule::arrivals`].
#[derive(Clone, Debug)]
pub struct Arrivals<'a> {
    schedule: &'a Schedule,
    next: u64,
    segment: usize,
    last_ns: u64,
}

impl Iterator for Arrivals<'_> {
    type Item = Duration;

    fn next(&mut self) -> Option<Duration> {
        if self.next >= self.schedule.total {
            return None;
        }
        let m = (self.next + 1) as f64;
        let segments = &self.schedule.segments;
        while self.segment + 1 < segments.len() && whole(segments[self.segment].m1) < m {
            self.segment += 1;
        }
        // Rounding can never move an arrival before its predecessor.
        let ns = segments[self.segment].offset_of(m).max(self.last_ns);
        self.last_ns = ns;
        self.next += 1;
        Some(Duration::from_nanos(ns))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = usize::try_from(self.schedule.total - self.next).unwrap_or(usize::MAX);
        (left, Some(left))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn secs(s: f64) -> Duration {
        Duration::from_secs_f64(s)
    }

    /// Checks the count and, where given, the first and last offsets (seconds).
    fn check(stages: &[(f64, f64, f64)], count: u64, first: Option<f64>, last: Option<f64>) {
        let stages: Vec<Stage> = stages
            .iter()
            .map(|&(a, b, d)| Stage::new(a, b, secs(d)))
            .collect();
        let schedule = Schedule::new(&stages).unwrap();
        assert_eq!(schedule.len(), count, "{stages:?}");
        let all: Vec<Duration> = schedule.arrivals().collect();
        assert_eq!(all.len() as u64, count);
        let close = |got: Option<&Duration>, want: Option<f64>| match (got, want) {
            (Some(g), Some(w)) => {
                assert!(
                    (g.as_secs_f64() - w).abs() < 1e-6,
                    "{stages:?}: {g:?} vs {w}"
                )
            }
            (_, None) => {}
            (None, Some(w)) => panic!("{stages:?}: no arrival, expected one at {w}"),
        };
        close(all.first(), first);
        close(all.last(), last);
        for (k, off) in all.iter().enumerate() {
            assert_eq!(schedule.offset(k as u64), Some(*off));
        }
        assert_eq!(schedule.offset(count), None);
    }

    #[test]
    fn arrival_math() {
        // constant
        check(&[(100.0, 100.0, 10.0)], 1000, Some(0.01), Some(10.0));
        check(&[(1.0, 1.0, 3.0)], 3, Some(1.0), Some(3.0));
        // ramp up: N(t) = 10 t² / 2 over 10 s -> 500; first at sqrt(0.2)
        check(&[(0.0, 100.0, 10.0)], 500, Some(0.2f64.sqrt()), Some(10.0));
        // ramp down: N(t) = 100 t - 5 t²; first at t where that is 1
        let first = (100.0 - (100.0f64 * 100.0 - 20.0).sqrt()) / 10.0;
        check(&[(100.0, 0.0, 10.0)], 500, Some(first), Some(10.0));
        // the founding README's plan
        check(
            &[(0.0, 100.0, 10.0), (100.0, 100.0, 10.0), (100.0, 0.0, 10.0)],
            2000,
            Some(0.2f64.sqrt()),
            Some(30.0),
        );
        // zero-rate stages start nothing and only shift time
        check(&[(0.0, 0.0, 5.0)], 0, None, None);
        check(&[(0.0, 0.0, 5.0), (2.0, 2.0, 1.0)], 2, Some(5.5), Some(6.0));
        // zero-length stages are fine
        check(
            &[(50.0, 50.0, 0.0), (2.0, 2.0, 1.0)],
            2,
            Some(0.5),
            Some(1.0),
        );
        // fractional rates: 0.5/s for 3 s is 1.5 -> floor 1
        check(&[(0.5, 0.5, 3.0)], 1, Some(2.0), Some(2.0));
        // representation error does not lose the last arrival
        check(&[(0.1, 0.1, 10.0)], 1, Some(10.0), Some(10.0));
        check(&[(0.3, 0.3, 10.0)], 3, Some(10.0 / 3.0), Some(10.0));
        // fractions carry across stages: 0.5 + 0.5 = one arrival, in the second stage
        check(&[(0.5, 0.5, 1.0), (0.5, 0.5, 1.0)], 1, Some(2.0), Some(2.0));
        // many stages
        let many: Vec<(f64, f64, f64)> =
            (0..100).map(|i| (i as f64, i as f64 + 1.0, 0.1)).collect();
        check(&many, 500, None, Some(10.0));
    }

    #[test]
    fn count_at_follows_the_integral() {
        let s = Schedule::new(&[
            Stage::new(0.0, 100.0, secs(10.0)),
            Stage::new(100.0, 100.0, secs(10.0)),
        ])
        .unwrap();
        assert_eq!(s.count_at(Duration::ZERO), 0.0);
        assert!((s.count_at(secs(5.0)) - 125.0).abs() < 1e-9);
        assert!((s.count_at(secs(15.0)) - 1000.0).abs() < 1e-9);
        assert!((s.count_at(secs(99.0)) - 1500.0).abs() < 1e-9);
        assert_eq!(s.duration(), secs(20.0));
    }

    #[test]
    fn level_follows_the_stages() {
        let s = Schedule::new(&[
            Stage::new(0.0, 10.0, secs(10.0)),
            Stage::new(10.0, 10.0, secs(5.0)),
            Stage::new(4.0, 0.0, secs(4.0)),
        ])
        .unwrap();
        for (t, want) in [
            (0.0, 0.0),
            (2.5, 2.5),
            (10.0, 10.0),
            (12.0, 10.0),
            (15.0, 4.0),
            (17.0, 2.0),
            (30.0, 0.0),
        ] {
            assert!(
                (s.level_at(secs(t)) - want).abs() < 1e-9,
                "{t}: {}",
                s.level_at(secs(t))
            );
        }
    }

    #[test]
    fn invalid_plans_name_the_value() {
        assert_eq!(Schedule::new(&[]).unwrap_err(), PlanError::NoStages);
        for (from, to, which, value) in [
            (-1.0, 5.0, "from", -1.0),
            (5.0, f64::INFINITY, "to", f64::INFINITY),
        ] {
            let err = Schedule::new(&[
                Stage::new(1.0, 1.0, secs(1.0)),
                Stage::new(from, to, secs(1.0)),
            ])
            .unwrap_err();
            assert_eq!(
                err,
                PlanError::InvalidRate {
                    stage: 1,
                    which,
                    value
                }
            );
        }
        let huge = Schedule::new(&[
            Stage::new(1.0, 1.0, secs(1.0)),
            Stage::new(1e300, 1e300, secs(1.0)),
        ])
        .unwrap_err();
        assert!(
            matches!(huge, PlanError::TooManyIterations { stage: 1, .. }),
            "{huge:?}"
        );
        assert_eq!(
            huge.to_string(),
            "stage 1: the plan adds up to 1e300 iterations by the end of this stage; expected at most 2^53 (9007199254740992)"
        );
        let max = Schedule::new(&[Stage::new(f64::MAX, f64::MAX, secs(1.0))]).unwrap_err();
        assert!(
            matches!(max, PlanError::TooManyIterations { .. }),
            "{max:?}"
        );
        // Large but valid plans keep the floor rule.
        let big = Schedule::new(&[Stage::new(1e9, 1e9, Duration::from_secs(10_000))]).unwrap();
        assert_eq!(big.len(), 10_000_000_000_000);
        let nan = Schedule::new(&[Stage::new(f64::NAN, 1.0, secs(1.0))]).unwrap_err();
        assert_eq!(
            nan.to_string(),
            "stage 0: `from` rate NaN is invalid; expected a finite number of iterations per second >= 0"
        );
    }

    fn stage() -> impl Strategy<Value = Stage> {
        let rate = prop_oneof![Just(0.0), 0.0f64..50.0, 0.0f64..2_000.0];
        (rate.clone(), rate, 0u64..5_000)
            .prop_map(|(a, b, ms)| Stage::new(a, b, Duration::from_millis(ms)))
    }

    proptest! {
        #[test]
        fn shards_add_up_to_the_whole_schedule(stages in prop::collection::vec(stage(), 1..6), n in 1u64..16) {
            let schedule = Schedule::new(&stages).unwrap();
            let whole: Vec<(u64, Duration)> = schedule.arrivals().enumerate().map(|(k, o)| (k as u64, o)).collect();
            let mut union: Vec<(u64, Duration)> = Vec::new();
            let mut counts = Vec::new();
            for i in 0..n {
                let mine: Vec<(u64, Duration)> = whole.iter().copied().filter(|(k, _)| owned_by(*k, i, n)).collect();
                counts.push(mine.len() as u64);
                union.extend(mine);
            }
            // Disjoint (no arrival twice) and complete (every arrival once).
            union.sort();
            prop_assert_eq!(&union, &whole);
            prop_assert_eq!(counts.iter().sum::<u64>(), schedule.len());
            // Evenly interleaved: shard sizes differ by at most one.
            let (lo, hi) = (counts.iter().min().unwrap(), counts.iter().max().unwrap());
            prop_assert!(hi - lo <= 1);
        }

        #[test]
        fn user_slots_split_exactly(level in 0u64..10_000, n in 1u64..16) {
            let total: u64 = (0..n).map(|i| slots_owned(level, i, n)).sum();
            prop_assert_eq!(total, level);
            for i in 0..n {
                let direct = (0..level).filter(|k| owned_by(*k, i, n)).count() as u64;
                prop_assert_eq!(slots_owned(level, i, n), direct);
            }
        }

        #[test]
        fn count_is_the_floor_of_the_integral(stages in prop::collection::vec(stage(), 1..8)) {
            let schedule = Schedule::new(&stages).unwrap();
            let integral: f64 = stages.iter().map(|s| (s.from + s.to) / 2.0 * s.duration.as_secs_f64()).sum();
            let n = schedule.len() as f64;
            prop_assert!(n <= integral + 1e-6 && integral < n + 1.0 + 1e-6, "{} vs {}", n, integral);
            prop_assert_eq!(schedule.arrivals().count() as u64, schedule.len());
        }

        #[test]
        fn instants_are_ordered_and_inside_their_stage(stages in prop::collection::vec(stage(), 1..8)) {
            let schedule = Schedule::new(&stages).unwrap();
            let mut prev = Duration::ZERO;
            for (k, off) in schedule.arrivals().enumerate() {
                prop_assert!(off >= prev);
                prop_assert!(off <= schedule.duration());
                // At its instant, the plan has accumulated k + 1 arrivals (to rounding).
                let n = schedule.count_at(off);
                prop_assert!((n - (k + 1) as f64).abs() < 1e-3 + 1e-9 * n, "arrival {} at {:?}: N = {}", k, off, n);
                // and the stage it falls in has a positive rate somewhere.
                let mut start = Duration::ZERO;
                let owner = stages.iter().find(|s| {
                    let end = start + s.duration;
                    let inside = off >= start && off <= end && (s.from > 0.0 || s.to > 0.0);
                    start = end;
                    inside
                });
                prop_assert!(owner.is_some(), "arrival {} at {:?} is in no active stage", k, off);
                prev = off;
            }
        }
    }
}
