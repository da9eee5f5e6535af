//! Clustering for the embedded warehouse: a table's rows written sorted by
//! its cluster columns, in bounded memory.
//!
//! Sorted rows give every row group and page of the snapshot a narrow range
//! of the cluster columns in its statistics, so a query filtering on them
//! (an explore's access filter on the customer's id) reads the few row
//! groups and pages that hold its rows and skips the rest. BigQuery does the
//! same with its clustered tables; this is the embedded warehouse's way.
//!
//! The sort splits rather than merges. The first rows, a quarter of the
//! memory budget, are a sample of the keys; its quantiles cut the key space
//! into up to 512 ranges ("shares"), and every row is written once to its
//! share of one spill file ([`spill`]). The shares are then read back in key
//! order and each is sorted in memory (stably: rows of one key keep their
//! order) on the sort's own thread while the writer encodes the one before
//! on its threads. Nothing is merged and
//! nothing is spilled twice: DataFusion's external sort, used before, spent
//! most of a clustered load merging runs on one core (3.7× a plain load
//! of 20M rows).
//!
//! When the first rows were not like the rest (input ordered by the key), a
//! share can outgrow the budget; it is split again, from a sample of its own
//! rows taken as they were written. A key so frequent that it would fill a
//! range alone gets a share of its own, which needs no sorting. A share still
//! too large after [`MAX_DEPTH`] splits goes to DataFusion's external sort
//! ([`external`]): slower, but bounded whatever the keys, and the one place
//! where rows of one key may change order.
//!
//! Spill files live in a folder of the write's own that is removed when the
//! sort ends, whether it finished, failed or was dropped, and by the next
//! write if the process was killed ([`crate::spill_dir`]).

mod external;
mod keys;
mod narrow;
mod spill;

use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, SyncSender};

use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;
use arrow_select::interleave::interleave_record_batch;
use futures::StreamExt;
use tokio::runtime::Handle;
use tokio::sync::mpsc;

use crate::spill_dir::SpillDir;
use crate::{BatchStream, WarehouseError};
use keys::{KeySample, SortKeys, Splitter, sort_error};
use narrow::Narrowing;
use spill::SpillWriter;

/// How a clustered write sorts.
#[derive(Debug, Clone)]
pub(crate) struct SortBudget {
    /// Bytes of rows the sort holds in memory. While splitting: the chunk
    /// being routed and the one being copied into the spill file, a quarter
    /// each with their row indices, and that one's grouped copy. Then: a
    /// share being sorted (up to a quarter) and sorted batches on their way
    /// to the writer (a sixteenth each, [`SORTED_QUEUE`] of them).
    pub memory_bytes: usize,
    /// Where spill files go; `None`: the system's temporary folder.
    pub spill_dir: Option<PathBuf>,
}

/// The most shares one split makes.
const MAX_SHARES: usize = 512;
/// Rows of a chunk per share below which a split makes fewer shares: a
/// spilled batch smaller than this carries more header than rows.
const MIN_SHARE_ROWS: usize = 64;
/// Keys sampled from the first rows to split the whole input.
const FIRST_SAMPLE: usize = 16 * 1024;
/// Keys sampled from each share while it is written, to split it again.
const SHARE_SAMPLE: usize = 256;
/// Splits a share goes through before the external sort takes it.
const MAX_DEPTH: usize = 3;
/// Rows per sorted batch handed to the writer, at most: a sixteenth of the
/// budget sets fewer for wide rows.
const OUTPUT_ROWS: usize = 32 * 1024;
/// Sorted batches on their way to the writer, so it has rows while the
/// next share is read and ordered.
const SORTED_QUEUE: usize = 4;
/// What routing a row costs beside the row: its share and its place in the
/// grouped order.
const INDEX_BYTES_PER_ROW: usize = 24;
/// The least budget the sort works with (the config's least is 8 MiB).
const MIN_MEMORY_BYTES: usize = 1 << 20;

/// What a clustered sort did, for the log and tests.
#[derive(Debug, Default)]
pub(crate) struct SortReport {
    pub spill_files: AtomicUsize,
    pub shares_sorted: AtomicUsize,
    pub single_key_shares: AtomicUsize,
    pub external_sorts: AtomicUsize,
}

/// `batches`, sorted by `columns` (ascending, NULLs first), as a stream.
/// Its batches are of `schema`, or of its narrow form ([`narrow`]): decimal
/// columns of up to 18 digits other than `columns` in 32 or 64 bits.
///
/// The sort starts on a thread of its own at once and runs until its last
/// row is taken. An error from `batches` ends the sorted stream with that
/// error; so does a failed spill (a full disk), naming the file. Dropping
/// the stream stops the sort at the next batch it reads or hands on, and
/// removes its files.
pub(crate) fn sorted(
    batches: BatchStream,
    schema: SchemaRef,
    columns: &[String],
    budget: &SortBudget,
) -> Result<BatchStream, WarehouseError> {
    sort_with(batches, schema, columns, budget, MAX_DEPTH, Arc::default())
}

fn sort_with(
    batches: BatchStream,
    schema: SchemaRef,
    columns: &[String],
    budget: &SortBudget,
    max_depth: usize,
    report: Arc<SortReport>,
) -> Result<BatchStream, WarehouseError> {
    if columns.is_empty() {
        return Ok(batches);
    }
    let keys = SortKeys::new(&schema, columns)?;
    let narrowing = Arc::new(Narrowing::new(&schema, keys.columns()));
    // The write's own folder under the spill root, swept by the next
    // write if this process is killed mid-sort.
    let root = budget.spill_dir.clone().unwrap_or_else(|| std::env::temp_dir().join("ponte-spill"));
    let folder = SpillDir::create(&root)
        .map_err(|e| WarehouseError::Sort(format!("cannot create a spill folder under {}: {e}", root.display())))?;
    let (out, sorted) = mpsc::channel(SORTED_QUEUE);
    let sorter = Sorter {
        keys,
        schema,
        narrowing,
        columns: columns.to_vec(),
        memory_bytes: budget.memory_bytes.max(MIN_MEMORY_BYTES),
        dir: folder.path().to_path_buf(),
        runtime: Handle::current(),
        out: out.clone(),
        max_depth,
        files: 0,
        report,
    };
    // A thread of its own, not the blocking pool's: it lives as long as the
    // load, and the reads it waits for may need the pool's threads.
    std::thread::Builder::new()
        .name("cluster-sort".into())
        .spawn(move || {
            let ended = match std::panic::catch_unwind(AssertUnwindSafe(|| sorter.run(batches))) {
                Ok(Ok(())) => Sorted::Done,
                Ok(Err(Stop::Failed(e))) => Sorted::Failed(e),
                Ok(Err(Stop::Cancelled)) => return,
                Err(_) => Sorted::Failed(WarehouseError::Sort("its thread panicked".into())),
            };
            // The folder goes before the reader learns that the sort ended.
            drop(folder);
            let _ = out.blocking_send(ended);
        })
        .map_err(|e| WarehouseError::Sort(format!("cannot start its thread: {e}")))?;
    Ok(output(sorted))
}

/// What the sort's thread hands to the writer.
enum Sorted {
    Rows(RecordBatch),
    Failed(WarehouseError),
    Done,
}

/// The sorted rows as a stream. A sort that stops without saying it is done
/// (its thread never ran) ends the stream with an error, never early: the
/// rows would be written short.
fn output(sorted: mpsc::Receiver<Sorted>) -> BatchStream {
    futures::stream::unfold(Some(sorted), |receiver| async move {
        let mut receiver = receiver?;
        match receiver.recv().await {
            Some(Sorted::Rows(batch)) => Some((Ok(batch), Some(receiver))),
            Some(Sorted::Done) => None,
            Some(Sorted::Failed(e)) => Some((Err(e), None)),
            None => Some((Err(WarehouseError::Sort("stopped before it finished".into())), None)),
        }
    })
    .boxed()
}

/// Why the sort stopped early.
enum Stop {
    /// The reader of the sorted rows is gone: nothing more to do.
    Cancelled,
    Failed(WarehouseError),
}

impl From<WarehouseError> for Stop {
    fn from(e: WarehouseError) -> Self {
        Self::Failed(e)
    }
}

/// Batches as the sort reads them: the input, or a share of a spill file.
type Rows<'a> = &'a mut dyn Iterator<Item = Result<RecordBatch, WarehouseError>>;

/// The sort, run on a thread of its own.
struct Sorter {
    keys: SortKeys,
    schema: SchemaRef,
    /// The rows' form in spill files and once read back.
    narrowing: Arc<Narrowing>,
    columns: Vec<String>,
    memory_bytes: usize,
    /// The write's spill folder.
    dir: PathBuf,
    /// To read the input and run the external sort from this thread.
    runtime: Handle,
    out: mpsc::Sender<Sorted>,
    max_depth: usize,
    /// Spill files made so far, to name the next.
    files: usize,
    report: Arc<SortReport>,
}

impl Sorter {
    /// Bytes of rows split at a time, and the most a share sorted in
    /// memory may hold.
    fn quarter(&self) -> usize {
        self.memory_bytes / 4
    }

    fn run(mut self, input: BatchStream) -> Result<(), Stop> {
        let runtime = self.runtime.clone();
        let mut input = input.fuse();
        let mut rows = std::iter::from_fn(move || runtime.block_on(input.next()));
        let (first, ended) = self.chunk(&mut rows)?;
        if ended {
            return self.sort_in_memory(first);
        }
        let mut sample = KeySample::new(FIRST_SAMPLE);
        let mut first_rows = 0;
        for batch in &first {
            first_rows += batch.num_rows();
            self.keys.rows(batch)?.iter().for_each(|key| sample.offer(key));
        }
        let sample = sample.into_sorted(&self.keys.parser());
        let ranges = (first_rows / MIN_SHARE_ROWS).min(sample.len() / 4).clamp(2, MAX_SHARES);
        self.split(first, &mut rows, &Splitter::from_sample(&sample, ranges, self.keys.fixed_width()), 0)?;
        let report = &self.report;
        tracing::debug!(
            spill_files = report.spill_files.load(Ordering::Relaxed),
            shares_sorted = report.shares_sorted.load(Ordering::Relaxed),
            single_key_shares = report.single_key_shares.load(Ordering::Relaxed),
            external_sorts = report.external_sorts.load(Ordering::Relaxed),
            "clustered sort done"
        );
        Ok(())
    }

    /// The next quarter budget of rows (with their routing), and whether
    /// the input ended. Stops when the sorted rows' reader is gone.
    fn chunk(&self, rows: Rows) -> Result<(Vec<RecordBatch>, bool), Stop> {
        let mut batches = Vec::new();
        let mut bytes = 0;
        while bytes < self.quarter() {
            if self.out.is_closed() {
                return Err(Stop::Cancelled);
            }
            let Some(batch) = rows.next() else { return Ok((batches, true)) };
            let batch = batch?;
            if batch.num_rows() > 0 {
                bytes += batch_bytes(&batch) + batch.num_rows() * INDEX_BYTES_PER_ROW;
                batches.push(batch);
            }
        }
        Ok((batches, false))
    }

    /// Writes `first` and the rest of `rows` to their shares of a new spill
    /// file, then hands every share on in key order.
    fn split(&mut self, first: Vec<RecordBatch>, rest: Rows, splitter: &Splitter, depth: usize) -> Result<(), Stop> {
        let path = self.dir.join(format!("split-{}.arrow", self.files));
        self.files += 1;
        self.report.spill_files.fetch_add(1, Ordering::Relaxed);
        let file = SpillWriter::create(path, self.narrowing.clone(), splitter.shares())?;
        let mut samples = vec![KeySample::new(SHARE_SAMPLE); splitter.shares()];
        // This thread finds each row's share while another copies the rows
        // of the chunk before into the file, grouped.
        let spilled = std::thread::scope(|scope| {
            let (to_spill, chunks) = std::sync::mpsc::sync_channel(0);
            let spiller = scope.spawn(move || spill_chunks(file, chunks));
            let routed = self.route_all(first, rest, splitter, &mut samples, &to_spill);
            drop(to_spill);
            let file = spiller.join().unwrap_or_else(|_| Err(WarehouseError::Sort("its spill thread panicked".into())));
            // A failed spill is the cause when both failed: routing stops
            // when the spill thread is gone.
            let file = file?;
            routed?;
            Ok::<_, Stop>(file.finish()?)
        })?;
        for (index, sample) in samples.into_iter().enumerate() {
            let share = &spilled.shares()[index];
            if share.rows == 0 {
                continue;
            }
            let mut rows = spilled.read(index);
            if splitter.is_single_key(index) {
                self.report.single_key_shares.fetch_add(1, Ordering::Relaxed);
                self.pass_on(&mut rows)?;
            } else if share.bytes <= self.quarter() {
                let batches = rows.collect::<Result<Vec<_>, _>>()?;
                self.sort_in_memory(batches)?;
            } else if depth < self.max_depth {
                tracing::debug!(
                    share = index,
                    rows = share.rows,
                    bytes = share.bytes,
                    depth,
                    "splitting a share again"
                );
                let sample = sample.into_sorted(&self.keys.parser());
                // Enough ranges for each to fit with room to spare, as far
                // as the sample can tell them apart.
                let ranges = (2 * share.bytes / self.quarter().max(1) + 1).clamp(2, MAX_SHARES).min(sample.len());
                self.split(
                    Vec::new(),
                    &mut rows,
                    &Splitter::from_sample(&sample, ranges, self.keys.fixed_width()),
                    depth + 1,
                )?;
            } else {
                self.sort_externally(rows)?;
            }
        }
        Ok(())
    }

    /// Groups `first` and every further chunk of `rest` by share and sends
    /// them to be spilled.
    fn route_all(
        &self,
        first: Vec<RecordBatch>,
        rest: Rows,
        splitter: &Splitter,
        samples: &mut [KeySample],
        to_spill: &SyncSender<(Vec<RecordBatch>, Grouping)>,
    ) -> Result<(), Stop> {
        let mut chunk = first;
        loop {
            if !chunk.is_empty() {
                let grouping = self.group(&chunk, splitter, samples)?;
                to_spill
                    .send((chunk, grouping))
                    .map_err(|_| WarehouseError::Sort("its spill thread stopped".into()))?;
            }
            let (next, ended) = self.chunk(rest)?;
            if ended && next.is_empty() {
                return Ok(());
            }
            chunk = next;
        }
    }

    /// Where each of a chunk's rows goes: the rows in share order (arrival
    /// order within a share), and where each share starts.
    fn group(
        &self,
        chunk: &[RecordBatch],
        splitter: &Splitter,
        samples: &mut [KeySample],
    ) -> Result<Grouping, WarehouseError> {
        let total: usize = chunk.iter().map(RecordBatch::num_rows).sum();
        let mut counts = vec![0usize; splitter.shares()];
        let mut shares = Vec::with_capacity(total);
        for batch in chunk {
            for key in self.keys.rows(batch)?.iter() {
                let share = splitter.share_of(key);
                counts[share] += 1;
                samples[share].offer(key);
                shares.push(share);
            }
        }
        let starts = keys::starts(counts.iter().copied());
        let mut next = starts.clone();
        let mut order = vec![(0, 0); total];
        let mut shares = shares.into_iter();
        for (b, batch) in chunk.iter().enumerate() {
            for (r, share) in (0..batch.num_rows()).zip(shares.by_ref()) {
                order[next[share]] = (b, r);
                next[share] += 1;
            }
        }
        Ok(Grouping { order, starts, counts })
    }

    /// Sorts rows that fit in memory and hands them on.
    fn sort_in_memory(&self, batches: Vec<RecordBatch>) -> Result<(), Stop> {
        if batches.is_empty() {
            return Ok(());
        }
        // One form for all: a load's files may differ in which decimals
        // they could be read narrow.
        let batches =
            batches.iter().map(|b| self.narrowing.narrow(b)).collect::<Result<Vec<_>, _>>().map_err(sort_error)?;
        let order = self.keys.order(&batches)?;
        let refs: Vec<&RecordBatch> = batches.iter().collect();
        let batch_rows = self.batch_rows(&batches[0]);
        // Batch by batch, so the sorted copy never holds the whole share.
        for rows in order.chunks(batch_rows) {
            self.send(interleave_record_batch(&refs, rows).map_err(sort_error)?)?;
        }
        self.report.shares_sorted.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    /// Hands on rows that are in order already (one key).
    fn pass_on(&self, rows: Rows) -> Result<(), Stop> {
        for batch in rows {
            let batch = batch?;
            let rows = self.batch_rows(&batch);
            for start in (0..batch.num_rows()).step_by(rows) {
                self.send(batch.slice(start, rows.min(batch.num_rows() - start)))?;
            }
        }
        Ok(())
    }

    /// Rows per batch handed to the writer for rows as wide as `like`'s: a
    /// sixteenth of the budget, at most [`OUTPUT_ROWS`].
    fn batch_rows(&self, like: &RecordBatch) -> usize {
        let row_bytes = batch_bytes(like) / like.num_rows().max(1);
        (self.memory_bytes / 16 / row_bytes.max(1)).clamp(1024, OUTPUT_ROWS)
    }

    /// Sorts a share that splitting did not bring within the budget with
    /// DataFusion's external sort. It gets the whole budget: it needs room
    /// for twice a spilled batch, which can be a whole chunk of rows.
    fn sort_externally(&self, rows: spill::ShareReader) -> Result<(), Stop> {
        self.report.external_sorts.fetch_add(1, Ordering::Relaxed);
        let input = futures::stream::iter(rows.widened()).boxed();
        let mut sorted = external::sorted(input, self.schema.clone(), &self.columns, self.memory_bytes, &self.dir)?;
        let runtime = self.runtime.clone();
        let mut sorted = std::iter::from_fn(move || runtime.block_on(sorted.next()));
        self.pass_on(&mut sorted)
    }

    fn send(&self, batch: RecordBatch) -> Result<(), Stop> {
        self.out.blocking_send(Sorted::Rows(batch)).map_err(|_| Stop::Cancelled)
    }
}

/// A chunk's rows in share order, as (batch, row) pairs, and where each
/// share's rows start and how many there are.
struct Grouping {
    order: Vec<(usize, usize)>,
    starts: Vec<usize>,
    counts: Vec<usize>,
}

/// The spill thread: copies each chunk's rows, grouped by share, into the
/// file, one batch per share that has rows in the chunk.
fn spill_chunks(
    mut file: SpillWriter,
    chunks: Receiver<(Vec<RecordBatch>, Grouping)>,
) -> Result<SpillWriter, WarehouseError> {
    for (chunk, Grouping { order, starts, counts }) in chunks {
        // Narrowed first, so the grouped copy is narrow too.
        let chunk = chunk.iter().map(|batch| file.narrow(batch)).collect::<Result<Vec<_>, _>>()?;
        let batches: Vec<&RecordBatch> = chunk.iter().collect();
        let grouped = interleave_record_batch(&batches, &order).map_err(sort_error)?;
        for (share, (&start, &count)) in starts.iter().zip(&counts).enumerate() {
            if count > 0 {
                file.append(share, &grouped.slice(start, count))?;
            }
        }
    }
    Ok(file)
}

/// The bytes of a batch's rows: of its slice of each buffer, not of whole
/// buffers it may share (a batch read from a spill file is a view of one
/// block).
fn batch_bytes(batch: &RecordBatch) -> usize {
    batch
        .columns()
        .iter()
        .map(|c| c.to_data().get_slice_memory_size().unwrap_or_else(|_| c.get_array_memory_size()))
        .sum()
}

#[cfg(test)]
mod tests;
