//! The cluster key of a row, and how the key space is split into ranges.
//!
//! Keys are compared in arrow's row format: one byte string per row whose
//! byte order is the sort's order (ascending, NULLs first, floats in total
//! order), whatever the columns' types. The split between ranges and the
//! sort inside a range therefore agree on every key.

use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_ord::sort::{SortColumn, lexsort_to_indices};
use arrow_row::{OwnedRow, Row, RowConverter, RowParser, Rows, SortField};
use arrow_schema::{SchemaRef, SortOptions};

use crate::WarehouseError;

/// The order a clustered table's rows are written in.
const ORDER: SortOptions = SortOptions { descending: false, nulls_first: true };

/// The cluster columns of a schema, and their keys.
pub(super) struct SortKeys {
    columns: Vec<usize>,
    converter: RowConverter,
    /// Whether every row's key has the same length (fixed-width columns
    /// only): such keys of up to 16 bytes compare as integers.
    fixed_width: bool,
}

impl SortKeys {
    /// The keys of `names` in `schema`; an error names a column that is not
    /// there or cannot be ordered.
    pub(super) fn new(schema: &SchemaRef, names: &[String]) -> Result<Self, WarehouseError> {
        let mut columns = Vec::with_capacity(names.len());
        let mut fields = Vec::with_capacity(names.len());
        for name in names {
            let index = schema
                .index_of(name)
                .map_err(|_| WarehouseError::Sort(format!("cannot cluster by `{name}`: no such column")))?;
            columns.push(index);
            fields.push(SortField::new_with_options(schema.field(index).data_type().clone(), ORDER));
        }
        let fixed_width = columns.iter().all(|&c| schema.field(c).data_type().primitive_width().is_some());
        let converter = RowConverter::new(fields)
            .map_err(|e| WarehouseError::Sort(format!("cannot cluster by {}: {e}", names.join(", "))))?;
        Ok(Self { columns, converter, fixed_width })
    }

    /// The cluster columns' indices in the schema.
    pub(super) fn columns(&self) -> &[usize] {
        &self.columns
    }

    pub(super) fn fixed_width(&self) -> bool {
        self.fixed_width
    }

    /// Reads back keys sampled as bytes.
    pub(super) fn parser(&self) -> RowParser {
        self.converter.parser()
    }

    /// The keys of a batch's rows, comparable as bytes.
    pub(super) fn rows(&self, batch: &RecordBatch) -> Result<Rows, WarehouseError> {
        let columns: Vec<ArrayRef> = self.columns.iter().map(|&c| batch.column(c).clone()).collect();
        self.converter.convert_columns(&columns).map_err(sort_error)
    }

    /// The rows of `batches` in key order, as (batch, row) pairs. Rows of
    /// equal keys keep the order they came in, batch by batch.
    ///
    /// Stable because rows come in the sources' order, files in key order:
    /// a customer's invoices stay in date order, which the table's pages
    /// compress better (a 20M-row table of the demo's invoices is 5%
    /// smaller than with equal keys shuffled), and the same input always
    /// makes the same table.
    pub(super) fn order(&self, batches: &[RecordBatch]) -> Result<Vec<(usize, usize)>, WarehouseError> {
        let mut columns = Vec::with_capacity(self.columns.len());
        for &c in &self.columns {
            let parts: Vec<&dyn Array> = batches.iter().map(|b| b.column(c).as_ref()).collect();
            columns.push(arrow_select::concat::concat(&parts).map_err(sort_error)?);
        }
        let indices = match self.counted_order(&columns)? {
            Some(indices) => indices,
            None => compared_order(columns)?,
        };
        // Where each batch starts among all the rows.
        let starts = starts(batches.iter().map(RecordBatch::num_rows));
        Ok(indices
            .into_iter()
            .map(|i| {
                let i = i as usize;
                let batch = starts.partition_point(|&s| s <= i) - 1;
                (batch, i - starts[batch])
            })
            .collect())
    }

    /// The order of `columns`' rows by counting them, key by key, when
    /// their keys are at most [`DENSE_KEYS`] consecutive short keys, as a
    /// share's customer ids are: one pass to count and one to place,
    /// stable by construction. Ordering every share of a 20M-row load took
    /// 0.28-0.34 s so, against 0.39-0.45 s by [`compared_order`].
    fn counted_order(&self, columns: &[ArrayRef]) -> Result<Option<Vec<u32>>, WarehouseError> {
        if !self.fixed_width {
            return Ok(None);
        }
        let rows = self.converter.convert_columns(columns).map_err(sort_error)?;
        if rows.num_rows() == 0 || rows.row(0).as_ref().len() > 16 {
            return Ok(None);
        }
        let keys: Vec<u128> = rows.iter().map(short_key).collect();
        let (least, most) = keys.iter().fold((u128::MAX, 0), |(least, most), &k| (least.min(k), most.max(k)));
        let Some(span) = usize::try_from(most - least).ok().filter(|&span| span < DENSE_KEYS) else {
            return Ok(None);
        };
        // How many rows each key has, then where its first row goes.
        let mut next = vec![0u32; span + 1];
        for &key in &keys {
            next[(key - least) as usize] += 1;
        }
        let mut start = 0;
        for slot in &mut next {
            (*slot, start) = (start, start + *slot);
        }
        let mut order = vec![0u32; keys.len()];
        for (row, &key) in (0u32..).zip(&keys) {
            let slot = &mut next[(key - least) as usize];
            order[*slot as usize] = row;
            *slot += 1;
        }
        Ok(Some(order))
    }
}

/// The order of `columns`' rows by comparing their keys: arrow's sort,
/// which does not keep equal keys in place, then each run of equal keys
/// put back in the order its rows came.
fn compared_order(columns: Vec<ArrayRef>) -> Result<Vec<u32>, WarehouseError> {
    let sort_columns: Vec<SortColumn> =
        columns.into_iter().map(|values| SortColumn { values, options: Some(ORDER) }).collect();
    let sorted = lexsort_to_indices(&sort_columns, None).map_err(sort_error)?;
    let sorted_keys = sort_columns
        .iter()
        .map(|c| arrow_select::take::take(&c.values, &sorted, None))
        .collect::<Result<Vec<_>, _>>()
        .map_err(sort_error)?;
    let mut indices = sorted.into_parts().1.to_vec();
    for run in arrow_ord::partition::partition(&sorted_keys).map_err(sort_error)?.ranges() {
        indices[run].sort_unstable();
    }
    Ok(indices)
}

/// Where each of consecutive runs of `lengths` starts.
pub(super) fn starts(lengths: impl IntoIterator<Item = usize>) -> Vec<usize> {
    lengths
        .into_iter()
        .scan(0, |start, length| {
            let this = *start;
            *start += length;
            Some(this)
        })
        .collect()
}

pub(super) fn sort_error(e: impl std::fmt::Display) -> WarehouseError {
    WarehouseError::Sort(e.to_string())
}

/// An evenly spaced sample of the keys offered to it, of bounded size.
///
/// Every `stride`-th key is kept; when the sample is full, every other
/// kept key is dropped and the stride doubles. The sample stays spread
/// over all the keys seen so far, in any number, without a random source.
///
/// Keys are kept as bytes end to end: a split keeps a sample for each of
/// its up to a thousand shares, and an owned row apiece would cost several
/// times the key.
#[derive(Debug, Clone)]
pub(super) struct KeySample {
    bytes: Vec<u8>,
    /// Where each kept key ends in `bytes`.
    ends: Vec<usize>,
    capacity: usize,
    stride: u64,
    seen: u64,
    /// The next key kept: the next multiple of `stride` (counted rather
    /// than tested with a division on every key).
    next: u64,
}

impl KeySample {
    /// A sample that keeps between `capacity / 2` and `capacity` keys once
    /// that many were seen.
    pub(super) fn new(capacity: usize) -> Self {
        Self { bytes: Vec::new(), ends: Vec::new(), capacity: capacity.max(2), stride: 1, seen: 0, next: 0 }
    }

    pub(super) fn offer(&mut self, key: Row<'_>) {
        if self.seen == self.next {
            self.bytes.extend_from_slice(key.as_ref());
            self.ends.push(self.bytes.len());
            if self.ends.len() >= self.capacity {
                self.keep_every_other();
                self.stride *= 2;
            }
            self.next = (self.seen / self.stride + 1) * self.stride;
        }
        self.seen += 1;
    }

    fn keep_every_other(&mut self) {
        let (mut bytes, mut ends) = (Vec::with_capacity(self.bytes.len() / 2), Vec::with_capacity(self.ends.len() / 2));
        for (start, end) in self.spans().step_by(2) {
            bytes.extend_from_slice(&self.bytes[start..end]);
            ends.push(bytes.len());
        }
        (self.bytes, self.ends) = (bytes, ends);
    }

    fn spans(&self) -> impl Iterator<Item = (usize, usize)> + '_ {
        std::iter::once(0).chain(self.ends.iter().copied()).zip(self.ends.iter().copied())
    }

    /// The sampled keys, sorted; `parser` is the converter's that made them.
    pub(super) fn into_sorted(self, parser: &RowParser) -> Vec<OwnedRow> {
        let mut keys: Vec<OwnedRow> =
            self.spans().map(|(start, end)| parser.parse(&self.bytes[start..end]).owned()).collect();
        keys.sort_unstable();
        keys
    }
}

/// How the key space is split: ranges between boundary keys, in order, and
/// a share of its own for each key so frequent that it would fill a range
/// alone. Such a share holds one key, so it needs no sorting, and it is
/// never split again.
#[derive(Debug)]
pub(super) struct Splitter {
    boundaries: Vec<OwnedRow>,
    /// The boundaries as integers, when keys are short and of one length:
    /// a row's share is then found without comparing bytes.
    short: Option<Vec<u128>>,
    /// Every short key's share, when the sampled keys span few enough
    /// integers: a row's share is then one lookup. A binary search over
    /// the boundaries was most of the routing's time, each step waiting on
    /// the one before; customer ids, the usual cluster key, are small and
    /// dense.
    dense: Option<DenseShares>,
    /// For each boundary, the share of keys below it (down to the previous
    /// boundary) and, for a frequent key, the share of the key itself.
    below: Vec<usize>,
    equal: Vec<Option<usize>>,
    /// The share of keys above the last boundary.
    above: usize,
}

impl Splitter {
    /// Up to `ranges` ranges from a sorted sample of the keys: the sample's
    /// quantiles bound them, so each range expects about as many rows.
    ///
    /// `fixed_width`: every key has the same length (see [`SortKeys`]).
    pub(super) fn from_sample(sample: &[OwnedRow], ranges: usize, fixed_width: bool) -> Self {
        let n = sample.len();
        let ranges = ranges.max(1);
        // A key is frequent when its sampled rows alone would fill a range.
        let frequent = (n / ranges).max(2);
        let mut boundaries: Vec<OwnedRow> = Vec::new();
        for i in 1..ranges {
            let key = &sample[i * n / ranges..];
            let Some(key) = key.first() else { break };
            if boundaries.last().is_none_or(|last| last.row() < key.row()) {
                boundaries.push(key.clone());
            }
        }
        let mut below = Vec::with_capacity(boundaries.len());
        let mut equal = Vec::with_capacity(boundaries.len());
        let mut share = 0;
        for key in &boundaries {
            below.push(share);
            share += 1;
            let first = sample.partition_point(|k| k.row() < key.row());
            let past = sample.partition_point(|k| k.row() <= key.row());
            if past - first >= frequent {
                equal.push(Some(share));
                share += 1;
            } else {
                equal.push(None);
            }
        }
        let short = (fixed_width && sample.first().is_some_and(|k| k.row().as_ref().len() <= 16))
            .then(|| boundaries.iter().map(|b| short_key(b.row())).collect());
        let mut splitter = Self { boundaries, short, below, equal, above: share, dense: None };
        splitter.dense = splitter.dense_shares(sample);
        splitter
    }

    /// The share of every short key from the least sampled to the greatest,
    /// when they are at most [`DENSE_KEYS`].
    fn dense_shares(&self, sample: &[OwnedRow]) -> Option<DenseShares> {
        let short = self.short.as_ref()?;
        let first = short_key(sample.first()?.row());
        let last = short_key(sample.last()?.row());
        let span = usize::try_from(last - first).ok().filter(|&span| span < DENSE_KEYS)? + 1;
        let shares = (0..span)
            .map(|offset| u16::try_from(self.short_share_of(short, first + offset as u128)).ok())
            .collect::<Option<Vec<u16>>>()?;
        Some(DenseShares { first, shares })
    }

    /// How many shares the rows are split into.
    pub(super) fn shares(&self) -> usize {
        self.above + 1
    }

    /// Whether a share holds one key only.
    pub(super) fn is_single_key(&self, share: usize) -> bool {
        self.equal.contains(&Some(share))
    }

    /// The share of a key.
    pub(super) fn share_of(&self, key: Row<'_>) -> usize {
        let Some(short) = &self.short else {
            let at = self.boundaries.partition_point(|b| b.row() < key);
            return self.share_at(at, self.boundaries.get(at).is_some_and(|b| b.row() == key));
        };
        let key = short_key(key);
        match self.dense.as_ref().and_then(|dense| dense.share_of(key)) {
            Some(share) => share,
            None => self.short_share_of(short, key),
        }
    }

    /// The share of a short key, found among the boundaries.
    fn short_share_of(&self, short: &[u128], key: u128) -> usize {
        let at = short.partition_point(|&b| b < key);
        self.share_at(at, short.get(at) == Some(&key))
    }

    /// The share of a key that sorts before boundary `at` (after the
    /// last when `at` is their number), or is that boundary if `equal`.
    fn share_at(&self, at: usize, equal: bool) -> usize {
        if at == self.boundaries.len() {
            return self.above;
        }
        match self.equal[at] {
            Some(own) if equal => own,
            _ => self.below[at],
        }
    }
}

/// The most short keys [`DenseShares`] holds a share for: 128 KiB of
/// shares, within a core's second-level cache.
const DENSE_KEYS: usize = 1 << 16;

/// The share of each short key in a run of consecutive ones.
#[derive(Debug)]
struct DenseShares {
    first: u128,
    shares: Vec<u16>,
}

impl DenseShares {
    /// The share of `key`; `None` outside the run.
    fn share_of(&self, key: u128) -> Option<usize> {
        let offset = usize::try_from(key.checked_sub(self.first)?).ok()?;
        self.shares.get(offset).map(|&share| usize::from(share))
    }
}

/// A key of at most 16 bytes as an integer (its bytes, big-endian), which
/// orders as the bytes do among keys of the same length. Consecutive
/// integer keys make consecutive short keys, which [`DenseShares`] needs.
///
/// Built byte by byte: copying the key into a 16-byte array and reading
/// that back as one number made the CPU wait for the copy to land, a fifth
/// of the routing's time.
fn short_key(key: Row<'_>) -> u128 {
    key.as_ref().iter().fold(0u128, |value, &byte| (value << 8) | u128::from(byte))
}

/// The converter of a single Int64 column's keys, for tests.
#[cfg(test)]
fn int_converter() -> RowConverter {
    RowConverter::new(vec![SortField::new_with_options(arrow_schema::DataType::Int64, ORDER)]).unwrap()
}

/// Keys of a single Int64 column, for tests.
#[cfg(test)]
pub(super) fn int_keys(values: &[Option<i64>]) -> Vec<OwnedRow> {
    let converter = int_converter();
    let array: ArrayRef = std::sync::Arc::new(arrow_array::Int64Array::from(values.to_vec()));
    let rows = converter.convert_columns(&[array]).unwrap();
    rows.iter().map(|r| r.owned()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sample_stays_bounded_and_evenly_spread() {
        let keys = int_keys(&(0..10_000).map(Some).collect::<Vec<_>>());
        let mut sample = KeySample::new(100);
        for k in &keys {
            sample.offer(k.row());
        }
        let sampled = sample.into_sorted(&int_converter().parser());
        assert!((50..100).contains(&sampled.len()), "{}", sampled.len());
        // Every 128th key: 0, 128, 256, ...
        let expected = int_keys(&(0..10_000).step_by(128).map(Some).collect::<Vec<_>>());
        assert_eq!(sampled, expected);
    }

    #[test]
    fn shares_follow_the_key_order_and_a_frequent_key_gets_its_own() {
        // 1..=100 once each, and 50 a hundred times more: half the sample.
        let mut values: Vec<Option<i64>> = (1..=100).map(Some).collect();
        values.extend(std::iter::repeat_n(Some(50), 100));
        let mut sample = int_keys(&values);
        sample.sort_unstable();
        let dense = Splitter::from_sample(&sample, 8, true);
        assert_eq!(dense.dense.as_ref().map(|d| d.shares.len()), Some(100), "1..=100 make a table");
        shares_in_order(&dense);
        // A NULL key is far from the rest as an integer: no table.
        values.push(None);
        let mut sample = int_keys(&values);
        sample.sort_unstable();
        for short in [true, false] {
            let splitter = Splitter::from_sample(&sample, 8, short);
            assert!(splitter.dense.is_none());
            shares_in_order(&splitter);
        }
    }

    #[test]
    fn a_table_of_shares_agrees_with_the_boundaries() {
        let mut values: Vec<Option<i64>> = (-300..700).map(Some).collect();
        values.extend(std::iter::repeat_n(Some(0), 500));
        let mut sample = int_keys(&values);
        sample.sort_unstable();
        let splitter = Splitter::from_sample(&sample, 32, true);
        assert_eq!(splitter.dense.as_ref().map(|d| d.shares.len()), Some(1000));
        let short = splitter.short.as_ref().unwrap();
        let probe: Vec<Option<i64>> =
            [None, Some(i64::MIN), Some(i64::MAX)].into_iter().chain((-400..800).map(Some)).collect();
        for key in int_keys(&probe) {
            let searched = splitter.short_share_of(short, short_key(key.row()));
            assert_eq!(splitter.share_of(key.row()), searched, "{key:?}");
        }
        // Keys spread wider than a table holds are searched for.
        let wide = int_keys(&[Some(0), Some(DENSE_KEYS as i64)]);
        assert!(Splitter::from_sample(&wide, 2, true).dense.is_none());
        let widest = int_keys(&[Some(0), Some(DENSE_KEYS as i64 - 1)]);
        assert!(Splitter::from_sample(&widest, 2, true).dense.is_some());
    }

    fn shares_in_order(splitter: &Splitter) {
        let fifty = splitter.share_of(int_keys(&[Some(50)])[0].row());
        assert!(splitter.is_single_key(fifty));
        assert_eq!((0..splitter.shares()).filter(|&s| splitter.is_single_key(s)).count(), 1);
        let probe: Vec<Option<i64>> = [None].into_iter().chain((-5..=110).map(Some)).collect();
        let shares: Vec<usize> = int_keys(&probe).iter().map(|k| splitter.share_of(k.row())).collect();
        assert!(shares.windows(2).all(|w| w[0] <= w[1]), "shares in key order: {shares:?}");
        assert_eq!(shares[0], 0, "NULLs come first");
        assert_eq!(*shares.last().unwrap(), splitter.shares() - 1);
        let around: Vec<usize> = int_keys(&[Some(49), Some(51)]).iter().map(|k| splitter.share_of(k.row())).collect();
        assert!(around[0] < fifty && fifty < around[1], "{around:?} around {fifty}");
    }

    #[test]
    fn rows_of_equal_keys_keep_the_order_they_came_in() {
        use std::sync::Arc;

        use arrow_array::{Int64Array, StringArray};
        use arrow_schema::{DataType, Field, Schema};

        let schema: SchemaRef = Arc::new(Schema::new(vec![
            Field::new("dense", DataType::Int64, false),
            Field::new("nullable", DataType::Int64, true),
            Field::new("wide", DataType::Int64, false),
            Field::new("region", DataType::Utf8, true),
            Field::new("arrival", DataType::Int64, false),
        ]));
        // Few keys, many rows each, spread over batches; `arrival` counts
        // the rows as they come.
        let key = |i: i64| i * 7 % 5;
        let batches: Vec<RecordBatch> = [0..40, 40..41, 41..100, 100..100, 100..300]
            .into_iter()
            .map(|range| {
                let ids: Vec<i64> = range.collect();
                let columns: Vec<ArrayRef> = vec![
                    Arc::new(ids.iter().map(|&i| key(i) - 2).collect::<Int64Array>()),
                    Arc::new(ids.iter().map(|&i| (key(i) != 0).then_some(key(i))).collect::<Int64Array>()),
                    Arc::new(ids.iter().map(|&i| key(i) * DENSE_KEYS as i64).collect::<Int64Array>()),
                    Arc::new(
                        ids.iter()
                            .map(|&i| (key(i) != 0).then(|| ["", "s", "se", "n", "ne"][key(i) as usize]))
                            .collect::<StringArray>(),
                    ),
                    Arc::new(Int64Array::from(ids)),
                ];
                RecordBatch::try_new(schema.clone(), columns).unwrap()
            })
            .collect();
        // Keys few and consecutive are counted; with a NULL, spread wide,
        // of strings or of two columns they are compared.
        for (columns, counted) in [
            (&["dense"][..], true),
            (&["nullable"], false),
            (&["wide"], false),
            (&["region"], false),
            (&["dense", "region"], false),
        ] {
            let names: Vec<String> = columns.iter().map(|c| c.to_string()).collect();
            let keys = SortKeys::new(&schema, &names).unwrap();
            let key_columns: Vec<ArrayRef> = keys.columns.iter().map(|&c| batches[0].column(c).clone()).collect();
            assert_eq!(keys.counted_order(&key_columns).unwrap().is_some(), counted, "{columns:?}");
            let order = keys.order(&batches).unwrap();
            assert_eq!(order.len(), 300);
            let rows: Vec<(OwnedRow, i64)> = order
                .iter()
                .map(|&(b, r)| {
                    let batch = &batches[b];
                    let arrival = batch.column(4).as_any().downcast_ref::<Int64Array>().unwrap().value(r);
                    (keys.rows(&batch.slice(r, 1)).unwrap().row(0).owned(), arrival)
                })
                .collect();
            assert!(
                rows.windows(2).all(|w| (&w[0].0, w[0].1) < (&w[1].0, w[1].1)),
                "{columns:?}: in key order, and by arrival among equal keys"
            );
        }
    }

    #[test]
    fn short_keys_are_their_bytes_big_endian() {
        let converter = int_converter();
        let values: Vec<Option<i64>> = vec![None, Some(i64::MIN), Some(-1), Some(0), Some(1), Some(i64::MAX)];
        let array: ArrayRef = std::sync::Arc::new(arrow_array::Int64Array::from(values));
        let rows = converter.convert_columns(&[array]).unwrap();
        let keys: Vec<u128> = rows.iter().map(short_key).collect();
        for (row, key) in rows.iter().zip(&keys) {
            let mut padded = [0u8; 16];
            padded[16 - row.as_ref().len()..].copy_from_slice(row.as_ref());
            assert_eq!(*key, u128::from_be_bytes(padded));
        }
        assert!(keys.windows(2).all(|w| w[0] < w[1]), "NULL first, then the values in order");
    }

    #[test]
    fn an_empty_or_single_key_sample_makes_one_share() {
        assert_eq!(Splitter::from_sample(&[], 16, true).shares(), 1);
        let one = int_keys(&[Some(7); 64]);
        let splitter = Splitter::from_sample(&one, 16, false);
        // The key itself is a boundary with a share of its own, between
        // the keys below and above it.
        assert_eq!(splitter.shares(), 3);
        assert!(splitter.is_single_key(splitter.share_of(one[0].row())));
    }
}
