//! Where each value of a column, bar or area chart sits on the value axis
//! (Looker's `stacking`): from zero side by side, on top of the series
//! before it, or on top of it as a share of the category's total.

use crate::Stacking;

/// The segment a value covers on the value axis: it starts at `from` and
/// ends at `to`, with `to - from` the value itself (or its share of the
/// category's total when stacked as percentages), so negative values run
/// downwards from where they start.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Span {
    pub(crate) from: f64,
    pub(crate) to: f64,
}

impl Span {
    /// The segment's lower and upper ends.
    pub(crate) fn low_high(self) -> (f64, f64) {
        (self.from.min(self.to), self.from.max(self.to))
    }
}

/// The span of every value, `spans[series][category]` (`None` for nulls).
///
/// Grouped values start at zero. Stacked values start where the series
/// before them in the same category ended, positives upwards from zero and
/// negatives downwards, so a stack's ends are the category's positive and
/// negative totals. Percent stacks divide by the category's total of
/// absolute values, so the positive side of a category reaches exactly 1;
/// a category whose values are all zero stacks as zeros.
pub(crate) fn spans(values: &[&[Option<f64>]], stacking: Stacking) -> Vec<Vec<Option<Span>>> {
    let categories = values.iter().map(|v| v.len()).max().unwrap_or(0);
    let value = |series: &[Option<f64>], category: usize| series.get(category).copied().flatten();
    if stacking == Stacking::Grouped {
        return values
            .iter()
            .map(|series| (0..categories).map(|i| value(series, i).map(|v| Span { from: 0.0, to: v })).collect())
            .collect();
    }
    let scale: Vec<f64> = (0..categories)
        .map(|i| match stacking {
            Stacking::Percent => {
                let total: f64 = values.iter().filter_map(|s| value(s, i)).map(f64::abs).sum();
                if total > 0.0 { 1.0 / total } else { 0.0 }
            }
            _ => 1.0,
        })
        .collect();
    let mut up = vec![0.0; categories];
    let mut down = vec![0.0; categories];
    values
        .iter()
        .map(|series| {
            (0..categories)
                .map(|i| {
                    let v = value(series, i)? * scale[i];
                    let end = if v >= 0.0 { &mut up[i] } else { &mut down[i] };
                    let span = Span { from: *end, to: *end + v };
                    *end = span.to;
                    Some(span)
                })
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(spans: &[Option<Span>]) -> Vec<Option<(f64, f64)>> {
        spans.iter().map(|s| s.map(|s| (s.from, s.to))).collect()
    }

    #[test]
    fn grouped_values_start_at_zero() {
        let a = [Some(3.0), None, Some(-2.0)];
        let spans = spans(&[&a], Stacking::Grouped);
        assert_eq!(pairs(&spans[0]), [Some((0.0, 3.0)), None, Some((0.0, -2.0))]);
    }

    #[test]
    fn stacks_grow_up_from_zero_and_negatives_down() {
        let a = [Some(3.0), Some(1.0)];
        let b = [Some(2.0), Some(-4.0)];
        let c = [None, Some(-1.0)];
        let spans = spans(&[&a, &b, &c], Stacking::Normal);
        assert_eq!(pairs(&spans[0]), [Some((0.0, 3.0)), Some((0.0, 1.0))]);
        assert_eq!(pairs(&spans[1]), [Some((3.0, 5.0)), Some((0.0, -4.0))]);
        assert_eq!(pairs(&spans[2]), [None, Some((-4.0, -5.0))]);
        assert_eq!(spans[2][1].unwrap().low_high(), (-5.0, -4.0));
    }

    #[test]
    fn percent_stacks_are_shares_of_the_category() {
        let a = [Some(1.0), Some(0.0)];
        let b = [Some(3.0), Some(0.0)];
        let spans = spans(&[&a, &b], Stacking::Percent);
        assert_eq!(pairs(&spans[0]), [Some((0.0, 0.25)), Some((0.0, 0.0))]);
        assert_eq!(pairs(&spans[1]), [Some((0.25, 1.0)), Some((0.0, 0.0))]);
    }
}
