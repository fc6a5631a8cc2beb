//! The statistics of a comparison, computed from two HDR histograms: the
//! order-statistic confidence interval of a quantile, the two-proportion
//! z-test of a rate, the Kolmogorov–Smirnov distance, and the per-interval
//! guard. The method and its assumptions are in the [module docs](super).
//!
//! Every count comes from a decoded, checked histogram or a results file, so
//! the arithmetic is done in `f64` or saturates: nothing here can overflow.

use hdrhistogram::Histogram;

pub use super::series::Series;

/// The normal quantile of a two-sided 95 % interval.
pub const Z_95: f64 = 1.959_964;

/// The Kolmogorov–Smirnov coefficient `c(α)` at α = 0.05.
pub const KS_C_05: f64 = 1.358;

/// Relative changes of a quantile within this are noise, whatever the
/// intervals say (criterion's noise threshold): 10 %. Two runs of one plan
/// against one target on one loaded machine differ by several percent
/// (2.8 % at p90, 5.3 % at p99 and 8.7 % at p95 in the facade's tests)
/// consistently over the whole run, which no statistic computed from the
/// runs themselves can tell from a change.
pub const NOISE: f64 = 0.10;

/// The relative tolerance of the distribution distance: values within
/// [`NOISE`] of each other count as equal, so a small shift of a tight
/// distribution (another run on the same machine) is not taken for a
/// change of shape.
pub const KS_TOLERANCE: f64 = NOISE;

/// The smallest share of the values the distribution distance must move to
/// flag a change: 1 %.
pub const KS_MIN_D: f64 = 0.01;

/// The fewest intervals with values each run needs for the per-interval guard.
pub const MIN_INTERVALS: usize = 3;

/// Where the ranks `ranks` (1-based, ascending or not) fall in `h`: for each,
/// the lowest and the highest value of the bucket holding it. A rank past
/// the histogram's count is its largest bucket; an empty histogram gives
/// zeros. One pass over the recorded buckets.
pub fn values_at_ranks(h: &Histogram<u64>, ranks: &[u64]) -> Vec<(u64, u64)> {
    let mut order: Vec<usize> = (0..ranks.len()).collect();
    order.sort_by_key(|&i| ranks[i]);
    let mut out = vec![(0, 0); ranks.len()];
    let mut next = 0;
    let mut seen: u64 = 0;
    let mut last = (0, 0);
    for v in h.iter_recorded() {
        seen = seen.saturating_add(v.count_since_last_iteration());
        let value = v.value_iterated_to();
        last = (h.lowest_equivalent(value), h.highest_equivalent(value));
        while next < order.len() && ranks[order[next]] <= seen {
            out[order[next]] = last;
            next += 1;
        }
        if next == order.len() {
            break;
        }
    }
    for &i in &order[next..] {
        out[i] = last;
    }
    out
}

/// The distribution-free 95 % confidence interval of quantile `q` of the
/// `n` values of `h`, and the value of the quantile itself: the ranks
/// `n·q ∓ z·√(n·q·(1−q))` (rounded outward, within `1..=n`), read from the
/// histogram as the lowest value of the lower rank's bucket and the highest
/// of the upper's. Returns `(value, low, high)`; zeros when `h` is empty.
pub fn quantile_interval(h: &Histogram<u64>, q: f64) -> (u64, u64, u64) {
    let n = h.len();
    if n == 0 {
        return (0, 0, 0);
    }
    let nf = n as f64;
    let q = q.clamp(0.0, 1.0);
    let half = Z_95 * (nf * q * (1.0 - q)).sqrt();
    let rank = |x: f64| (x.clamp(1.0, nf) as u64).clamp(1, n);
    let at = (nf * q).ceil();
    let ranks = [
        rank(at),
        rank((nf * q - half).floor()),
        rank((nf * q + half).ceil()),
    ];
    let found = values_at_ranks(h, &ranks);
    (h.highest_equivalent(found[0].0), found[1].0, found[2].1)
}

/// A two-proportion z-test: `x1` of `n1` against `x2` of `n2`, with the
/// pooled proportion. Returns the z statistic (0 when either sample is
/// empty or both proportions are 0 or 1).
pub fn two_proportion_z(x1: u64, n1: u64, x2: u64, n2: u64) -> f64 {
    if n1 == 0 || n2 == 0 {
        return 0.0;
    }
    let (x1, n1, x2, n2) = (x1 as f64, n1 as f64, x2 as f64, n2 as f64);
    let pooled = (x1 + x2) / (n1 + n2);
    let se = (pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2)).sqrt();
    if se == 0.0 || !se.is_finite() {
        return 0.0;
    }
    (x2 / n2 - x1 / n1) / se
}

/// The cumulative distribution of a histogram as `(value, fraction at or
/// below it)` at the highest value of every recorded bucket, ascending.
fn cdf(h: &Histogram<u64>) -> Vec<(u64, f64)> {
    let n = h.len() as f64;
    let mut seen: u64 = 0;
    h.iter_recorded()
        .map(|v| {
            seen = seen.saturating_add(v.count_since_last_iteration());
            (h.highest_equivalent(v.value_iterated_to()), seen as f64 / n)
        })
        .collect()
}

/// `F(x)`: the fraction of the values at or below `x`.
fn at(cdf: &[(u64, f64)], x: f64) -> f64 {
    let i = cdf.partition_point(|&(v, _)| (v as f64) <= x);
    if i == 0 { 0.0 } else { cdf[i - 1].1 }
}

/// The two-sample Kolmogorov–Smirnov distances of two histograms, over
/// every bucket boundary of either: `(D, D_tolerant, direction)`, where `D =
/// max |F_a(x) − F_b(x)|` and `D_tolerant` forgives a relative shift of up
/// to `tolerance` (`max(F_a(x) − F_b(x·(1+t)), F_b(x) − F_a(x·(1+t)))`, the
/// distance left once every value may move by `t`); `direction` is +1 when
/// that distance is `b`'s values lying higher (slower) than `a`'s, −1 when
/// lower. Zeros when either is empty.
pub fn ks_distances(a: &Histogram<u64>, b: &Histogram<u64>, tolerance: f64) -> (f64, f64, f64) {
    if a.is_empty() || b.is_empty() {
        return (0.0, 0.0, 0.0);
    }
    let (fa, fb) = (cdf(a), cdf(b));
    let mut d: f64 = 0.0;
    let (mut up, mut down): (f64, f64) = (0.0, 0.0);
    for &(x, _) in fa.iter().chain(fb.iter()) {
        let x = x as f64;
        let (pa, pb) = (at(&fa, x), at(&fb, x));
        d = d.max((pa - pb).abs());
        let wide = x * (1.0 + tolerance);
        up = up.max(pa - at(&fb, wide));
        down = down.max(pb - at(&fa, wide));
    }
    let direction = if up >= down { 1.0 } else { -1.0 };
    (d, up.max(down).max(0.0), direction)
}

/// The KS critical value at α = 0.05 for samples of `n` and `m` values:
/// `c(α)·√((n+m)/(n·m))`; infinite when either is empty.
pub fn ks_critical(n: u64, m: u64) -> f64 {
    if n == 0 || m == 0 {
        return f64::INFINITY;
    }
    let (n, m) = (n as f64, m as f64);
    KS_C_05 * ((n + m) / (n * m)).sqrt()
}

/// What the per-interval series say of a change.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Guard {
    /// Each run's median interval lies beyond the other's interquartile
    /// range, on the side of the change.
    Agrees,
    /// The series overlap or move the other way.
    Disagrees,
    /// A run has fewer than [`MIN_INTERVALS`] intervals with values, or the
    /// statistic has no series.
    Unavailable,
}

/// Whether the per-interval series `base` and `new` (one value per interval
/// that had values) agree with a change of sign `direction` (+1 up, −1
/// down): the median of `new` lies above the upper quartile of `base` and
/// the median of `base` below the lower quartile of `new` (mirrored for a
/// decrease). The interval is the unit of replication here, so bursts
/// within a run weigh as one interval each.
pub fn guard(base: &mut Series, new: &mut Series, direction: f64) -> Guard {
    if base.len() < MIN_INTERVALS || new.len() < MIN_INTERVALS {
        return Guard::Unavailable;
    }
    let (b1, bm, b3) = base.quartiles();
    let (n1, nm, n3) = new.quartiles();
    let up = nm > b3 && bm < n1;
    let down = nm < b1 && bm > n3;
    if (direction > 0.0 && up) || (direction < 0.0 && down) {
        Guard::Agrees
    } else {
        Guard::Disagrees
    }
}

/// Whether the series agree with a change of sign `direction`
/// ([`guard`]) and their medians are more than [`NOISE`] apart: the
/// distribution distance's guard.
pub fn moved(base: &mut Series, new: &mut Series, direction: f64) -> bool {
    if guard(base, new, direction) != Guard::Agrees {
        return false;
    }
    let (_, bm, _) = base.quartiles();
    let (_, nm, _) = new.quartiles();
    bm > 0.0 && ((nm - bm) / bm).abs() > NOISE
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::new_histogram;

    fn uniform(lo: u64, hi: u64) -> Histogram<u64> {
        let mut h = new_histogram();
        for v in lo..=hi {
            h.record(v).unwrap();
        }
        h
    }

    #[test]
    fn ranks_read_the_buckets_they_fall_in() {
        let h = uniform(1, 100);
        assert_eq!(
            values_at_ranks(&h, &[50, 1, 100, 1000]),
            vec![(50, 50), (1, 1), (100, 100), (100, 100)]
        );
        assert_eq!(values_at_ranks(&new_histogram(), &[1]), vec![(0, 0)]);
    }

    #[test]
    fn the_quantile_interval_holds_the_order_statistic_ranks() {
        // n = 1000, q = 0.5: ranks 500 ∓ 1.96·√250 = 469.01 and 530.99, rounded
        // outward to 469 and 531.
        let h = uniform(1, 1000);
        assert_eq!(quantile_interval(&h, 0.5), (500, 469, 531));
        // q = 0.99: 990 ∓ 1.96·√9.9 = 983.8 and 996.2 → 983 and 997.
        assert_eq!(quantile_interval(&h, 0.99), (990, 983, 997));
        assert_eq!(quantile_interval(&new_histogram(), 0.5), (0, 0, 0));
    }

    #[test]
    fn two_proportions() {
        assert_eq!(two_proportion_z(0, 1000, 0, 1000), 0.0);
        assert_eq!(two_proportion_z(1, 0, 1, 10), 0.0);
        let z = two_proportion_z(10, 1000, 30, 1000);
        assert!((z - 3.2).abs() < 0.05, "{z}");
        assert!(two_proportion_z(30, 1000, 10, 1000) < 0.0);
    }

    #[test]
    fn ks_sees_a_shift_and_forgives_a_small_one() {
        let a = uniform(1000, 2000);
        let (d, t, _) = ks_distances(&a, &a, KS_TOLERANCE);
        assert_eq!((d, t), (0.0, 0.0));
        let shifted = uniform(1020, 2020);
        let (d, t, _) = ks_distances(&a, &shifted, KS_TOLERANCE);
        assert!(d > 0.015 && t == 0.0, "{d} {t}");
        let far = uniform(3000, 4000);
        assert_eq!(ks_distances(&a, &far, KS_TOLERANCE), (1.0, 1.0, 1.0));
        assert_eq!(ks_distances(&far, &a, KS_TOLERANCE), (1.0, 1.0, -1.0));
        assert!((ks_critical(1000, 1000) - 0.0607).abs() < 1e-3);
        assert!(ks_critical(0, 1).is_infinite());
    }

    #[test]
    fn the_guard_needs_the_series_apart() {
        let mut b = Series::of(&[1.0, 2.0, 3.0, 4.0, 5.0]);
        assert_eq!(
            guard(&mut b.clone(), &mut Series::of(&[10.0, 11.0, 12.0]), 1.0),
            Guard::Agrees
        );
        assert_eq!(
            guard(&mut b.clone(), &mut Series::of(&[10.0, 11.0, 12.0]), -1.0),
            Guard::Disagrees
        );
        assert_eq!(
            guard(&mut b.clone(), &mut Series::of(&[2.0, 3.0, 4.0]), 1.0),
            Guard::Disagrees
        );
        assert_eq!(
            guard(&mut b.clone(), &mut Series::of(&[10.0]), 1.0),
            Guard::Unavailable
        );
        assert!(moved(
            &mut b.clone(),
            &mut Series::of(&[10.0, 11.0, 12.0]),
            1.0
        ));
        let mut close = Series::of(&[10.0, 10.2, 10.4, 10.6, 10.8]);
        let mut above = Series::of(&[11.0, 11.1, 11.2, 11.3]);
        assert_eq!(guard(&mut close, &mut above, 1.0), Guard::Agrees);
        assert!(
            !moved(&mut close, &mut above, 1.0),
            "within 10 % of the median"
        );
        assert!(!moved(&mut b, &mut Series::of(&[]), 1.0));
    }
}
