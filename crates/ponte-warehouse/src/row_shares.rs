//! Which rows of a scan each of a query's partitions reads: the row
//! groups a filter may keep, dealt by their row counts.
//!
//! A partition is a core's share of the scan, and the query is done when
//! the slowest share is. Dealing every row group of a file in turn gives
//! each core the same number of row groups, not of rows a filter keeps: a
//! small customer's rows, part of one row group of a clustered table, went
//! to one core while the other had nothing. So only the candidate row
//! groups (those the row-group statistics cannot rule out, narrowed by the
//! page index where they are cut; [`crate::snapshot_table`] finds them) are
//! dealt here, whole, to the partition with the fewest candidate rows so
//! far; where there are fewer of them than partitions, they are cut into
//! row ranges, at a page start where one is near.

use std::ops::Range;

use datafusion::datasource::physical_plan::parquet::RowGroupAccess;
use parquet::arrow::arrow_reader::RowSelection;

/// Below this many rows a row group is read whole by one partition: the
/// fixed cost of a share (its pages' decompressors, a batch of its own)
/// outweighs what a second core would save.
pub(crate) const MIN_SPLIT_ROWS: usize = 8192;

/// The rows of one row group that a query may read.
#[derive(Debug, Clone)]
pub(crate) struct Candidates {
    /// Which file of the table, by position (the snapshot table keeps them
    /// in path order).
    pub file: usize,
    pub row_group: usize,
    /// The row group's row count.
    pub rows: usize,
    /// The rows that may match; `None`: all of them.
    pub selection: Option<RowSelection>,
    /// Where the row group's pages start (row numbers within it, ascending,
    /// from the offset index of one of its columns); empty if unknown.
    pub page_starts: Vec<usize>,
}

impl Candidates {
    /// How many rows may match.
    fn count(&self) -> usize {
        self.selection.as_ref().map_or(self.rows, RowSelection::row_count)
    }

    /// The row (within the row group) at which the `n`th candidate sits, or
    /// the row group's end past the last.
    fn row_of(&self, n: usize) -> usize {
        let Some(selection) = &self.selection else { return n.min(self.rows) };
        let (mut row, mut left) = (0, n);
        for selector in selection.iter() {
            if !selector.skip {
                if left < selector.row_count {
                    return row + left;
                }
                left -= selector.row_count;
            }
            row += selector.row_count;
        }
        self.rows
    }

    /// `rows` of this row group as an access: the candidates among them.
    fn access(&self, rows: Range<usize>) -> RowGroupAccess {
        if rows == (0..self.rows) {
            return self.selection.clone().map_or(RowGroupAccess::Scan, RowGroupAccess::Selection);
        }
        let range = RowSelection::from_consecutive_ranges(std::iter::once(rows), self.rows);
        RowGroupAccess::Selection(match &self.selection {
            Some(selection) => selection.intersection(&range),
            None => range,
        })
    }

    /// Where to cut before `row`, strictly between `after` and `before`: at
    /// the nearest page start if it is within a quarter of a page, so that
    /// no page is decoded by two partitions; else at `row` itself, one page
    /// decoded twice being cheaper than shares further apart.
    fn cut_near(&self, row: usize, after: usize, before: usize) -> usize {
        let page_start = self.page_starts.iter().copied().filter(|&s| s <= row).max().unwrap_or(0);
        let page_end = self.page_starts.iter().copied().find(|&s| s > row).unwrap_or(self.rows);
        let nearest = [page_start, page_end]
            .into_iter()
            .filter(|&s| s > after && s < before && self.page_starts.contains(&s))
            .min_by_key(|&s| s.abs_diff(row));
        match nearest {
            Some(start) if start.abs_diff(row) * 4 <= page_end - page_start => start,
            _ => row,
        }
    }
}

/// One partition's part of one row group.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Share {
    pub file: usize,
    pub row_group: usize,
    pub access: RowGroupAccess,
}

/// Whether `row_groups` candidates are cut into row ranges for
/// `partitions`: only where there are fewer row groups than partitions, so
/// that no core sits idle. Measured at 10M invoices, cutting the odd ninth
/// row group of customer 1 made its tiles 3-4% slower, not faster: both
/// cores then open that row group, and one page is decoded twice.
pub(crate) fn cuts(row_groups: usize, partitions: usize) -> bool {
    row_groups < partitions.max(1)
}

/// The candidates dealt to `partitions` shares, each share's row groups
/// in file order. Row groups go whole, in turn, to the partition with the
/// fewest candidate rows so far; with fewer row groups than partitions, one
/// that does not fit a fair share is cut into row ranges.
pub(crate) fn deal(candidates: &[Candidates], partitions: usize) -> Vec<Vec<Share>> {
    let partitions = partitions.max(1);
    let cut = cuts(candidates.len(), partitions);
    let total: usize = candidates.iter().map(Candidates::count).sum();
    let fair = total.div_ceil(partitions);
    let mut loads = vec![0usize; partitions];
    let mut shares = vec![Vec::new(); partitions];
    let least_loaded = |loads: &[usize]| (0..loads.len()).min_by_key(|&p| loads[p]).unwrap_or(0);
    for group in candidates {
        let count = group.count();
        if count == 0 {
            continue;
        }
        let first = least_loaded(&loads);
        if !cut || loads[first] + count <= fair + MIN_SPLIT_ROWS || count < 2 * MIN_SPLIT_ROWS {
            shares[first].push(Share {
                file: group.file,
                row_group: group.row_group,
                access: group.access(0..group.rows),
            });
            loads[first] += count;
            continue;
        }
        // Cut: each partition in turn, least loaded first, takes what brings
        // it to its fair share (at least MIN_SPLIT_ROWS, and all that is
        // left when less would remain).
        let (mut taken, mut start) = (0, 0);
        while taken < count {
            let p = least_loaded(&loads);
            let mut take = fair.saturating_sub(loads[p]).max(MIN_SPLIT_ROWS).min(count - taken);
            if count - taken - take < MIN_SPLIT_ROWS {
                take = count - taken;
            }
            taken += take;
            let end = if taken == count { group.rows } else { group.cut_near(group.row_of(taken), start, group.rows) };
            let access = group.access(start..end);
            if !matches!(&access, RowGroupAccess::Selection(s) if !s.selects_any()) {
                shares[p].push(Share { file: group.file, row_group: group.row_group, access });
            }
            loads[p] += take;
            start = end;
        }
    }
    for share in &mut shares {
        share.sort_by_key(|s| (s.file, s.row_group));
    }
    shares
}

#[cfg(test)]
mod tests {
    use super::*;
    use parquet::arrow::arrow_reader::RowSelector;

    fn whole(row_group: usize, rows: usize) -> Candidates {
        Candidates { file: 0, row_group, rows, selection: None, page_starts: pages(rows) }
    }

    /// Pages of 20,000 rows, as the table writer makes them.
    fn pages(rows: usize) -> Vec<usize> {
        (0..rows).step_by(20_000).collect()
    }

    /// (row group, first row, rows) of each share's parts.
    fn parts(shares: &[Vec<Share>]) -> Vec<Vec<(usize, usize, usize)>> {
        let rows = |access: &RowGroupAccess, size: usize| match access {
            RowGroupAccess::Scan => (0, size),
            RowGroupAccess::Selection(s) => {
                let first = s.iter().take_while(|r| r.skip).map(|r| r.row_count).sum();
                (first, s.row_count())
            }
            RowGroupAccess::Skip => (0, 0),
        };
        shares
            .iter()
            .map(|share| {
                share
                    .iter()
                    .map(|s| {
                        let (first, count) = rows(&s.access, 131_072);
                        (s.row_group, first, count)
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn row_groups_go_whole_in_turn_when_every_core_gets_one() {
        // A customer's 8 full row groups and 55,580 rows at the start of a ninth.
        let mut groups: Vec<_> = (0..9).map(|g| whole(g, 131_072)).collect();
        groups[8].selection = Some(RowSelection::from(vec![RowSelector::select(55_580), RowSelector::skip(75_492)]));
        let shares = deal(&groups, 2);
        assert_eq!(
            parts(&shares),
            [
                vec![(0, 0, 131_072), (2, 0, 131_072), (4, 0, 131_072), (6, 0, 131_072), (8, 0, 55_580)],
                vec![(1, 0, 131_072), (3, 0, 131_072), (5, 0, 131_072), (7, 0, 131_072)],
            ]
        );
    }

    #[test]
    fn a_part_of_one_row_group_is_split_between_the_cores() {
        // 30,671 rows of a small customer, in the first two pages of a row group.
        let group = Candidates {
            selection: Some(RowSelection::from(vec![RowSelector::select(40_000), RowSelector::skip(91_072)])),
            ..whole(0, 131_072)
        };
        assert_eq!(parts(&deal(&[group], 2)), [vec![(0, 0, 20_000)], vec![(0, 20_000, 20_000)]]);
    }

    #[test]
    fn small_row_groups_stay_whole_and_every_candidate_row_is_dealt_once() {
        let groups: Vec<_> = (0..5).map(|g| whole(g, 100)).collect();
        assert_eq!(
            parts(&deal(&groups, 3)).iter().map(|s| s.iter().map(|p| p.0).collect::<Vec<_>>()).collect::<Vec<_>>(),
            [vec![0, 3], vec![1, 4], vec![2]]
        );

        // Uneven row groups without page starts, whole or cut: every row is dealt once.
        let groups: Vec<_> = [131_072, 50_000, 90_000, 131_072, 7]
            .iter()
            .enumerate()
            .map(|(g, &rows)| Candidates { page_starts: Vec::new(), ..whole(g, rows) })
            .collect();
        for partitions in 1..=8 {
            let shares = deal(&groups, partitions);
            let mut seen: Vec<Vec<bool>> = groups.iter().map(|g| vec![false; g.rows]).collect();
            for share in &shares {
                for s in share {
                    let selection = match &s.access {
                        RowGroupAccess::Scan => RowSelection::from(vec![RowSelector::select(groups[s.row_group].rows)]),
                        RowGroupAccess::Selection(sel) => sel.clone(),
                        RowGroupAccess::Skip => continue,
                    };
                    let mut row = 0;
                    for selector in selection.iter() {
                        if !selector.skip {
                            for (r, seen) in seen[s.row_group].iter_mut().enumerate().skip(row).take(selector.row_count)
                            {
                                assert!(!*seen, "row {r} of {} dealt twice", s.row_group);
                                *seen = true;
                            }
                        }
                        row += selector.row_count;
                    }
                }
            }
            assert!(seen.iter().flatten().all(|&s| s), "a row left out with {partitions} partitions");
            let loads: Vec<usize> = shares
                .iter()
                .map(|share| {
                    share.iter().map(|s| parts(&[vec![s.clone()]])[0][0].2.min(groups[s.row_group].rows)).sum()
                })
                .collect();
            // More cores than row groups: the rows are cut to fair shares.
            let fair = 402_151usize.div_ceil(partitions);
            if partitions > groups.len() {
                assert!(loads.iter().all(|&l| l <= fair + 2 * MIN_SPLIT_ROWS), "{partitions}: {loads:?}");
                assert_eq!(loads.len(), partitions);
            }
        }
    }
}
