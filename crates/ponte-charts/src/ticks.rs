//! "Nice" axis ticks: steps of 1, 2 or 5 × 10ⁿ.

/// Evenly spaced ticks (4 to 6 of them for most ranges, never more than 6)
/// at a step of 1, 2 or 5 × 10ⁿ, covering `min..=max` and always 0, so bars
/// start at zero and negative values get their own side of the axis.
pub(crate) fn nice_ticks(min: f64, max: f64) -> Vec<f64> {
    let (lo, hi) = if min.is_finite() && max.is_finite() { (min.min(max), max.max(min)) } else { (0.0, 0.0) };
    let lo = lo.min(0.0);
    let mut hi = hi.max(0.0);
    if hi == lo {
        hi = 1.0;
    }
    let range = hi - lo;
    let mut exp = (range / 10.0).log10().floor() as i32 - 1;
    loop {
        for m in [1.0, 2.0, 5.0] {
            let step = m * 10f64.powi(exp);
            let first = (lo / step + 1e-9).floor();
            let last = (hi / step - 1e-9).ceil();
            if last - first <= 5.0 {
                return (first as i64..=last as i64).map(|k| tick(k, m, exp)).collect();
            }
        }
        exp += 1;
    }
}

/// `k × m × 10^exp`, computed so decimal steps give decimal ticks (0.3, not
/// 0.30000000000000004).
fn tick(k: i64, m: f64, exp: i32) -> f64 {
    let v = k as f64 * m;
    let t = if exp < 0 { v / 10f64.powi(-exp) } else { v * 10f64.powi(exp) };
    if t == 0.0 { 0.0 } else { t }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typical_ranges() {
        assert_eq!(nice_ticks(0.0, 10.0), [0.0, 2.0, 4.0, 6.0, 8.0, 10.0]);
        assert_eq!(nice_ticks(12.0, 97.0), [0.0, 20.0, 40.0, 60.0, 80.0, 100.0]);
        assert_eq!(nice_ticks(1.0, 1.0), [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]);
        assert_eq!(nice_ticks(0.0, 0.0), [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]);
        assert_eq!(nice_ticks(0.0, 0.3), [0.0, 0.1, 0.2, 0.3]);
        assert_eq!(nice_ticks(-35.0, 80.0), [-50.0, 0.0, 50.0, 100.0]);
        assert_eq!(nice_ticks(-80.0, -10.0), [-80.0, -60.0, -40.0, -20.0, 0.0]);
        assert_eq!(nice_ticks(0.0, 1_234_567.0), [0.0, 500_000.0, 1_000_000.0, 1_500_000.0]);
        assert_eq!(nice_ticks(f64::NAN, 3.0), [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]);
    }

    #[test]
    fn four_to_six_ticks_that_cover_the_data() {
        let mut max = 0.013;
        while max < 1e12 {
            for min in [0.0, max * 0.3, -max * 0.2, -max] {
                let ticks = nice_ticks(min, max);
                let n = ticks.len();
                assert!(n <= 6, "{min}..{max}: {ticks:?}");
                assert!(n >= if min < 0.0 { 3 } else { 4 }, "{min}..{max}: {ticks:?}");
                assert!(ticks[0] <= min.min(0.0) && ticks[n - 1] >= max, "{min}..{max}: {ticks:?}");
                assert!(ticks.contains(&0.0), "{min}..{max}: {ticks:?}");
                let step = ticks[1] - ticks[0];
                let mantissa = step / 10f64.powf(step.log10().floor());
                assert!([1.0, 2.0, 5.0].iter().any(|m| (mantissa - m).abs() < 1e-6), "{ticks:?}");
            }
            max *= 1.37;
        }
    }
}
