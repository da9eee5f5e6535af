//! Writes a stream of batches as one parquet file, encoding columns on
//! every core while the next rows are gathered.
//!
//! parquet's `AsyncArrowWriter` encodes and compresses every column on the
//! task that calls `write`: a load then runs at the speed of one core,
//! whatever the machine has. Columns are independent, so this writer hands
//! each slice of rows to blocking threads that take its columns one by one,
//! and goes back to gathering the next slice; the column writers stay open
//! across the slices of a row group. The file is the same parquet (same
//! properties, same Arrow schema metadata).
//!
//! Memory: two slices of rows (the one encoding, the one gathering) and the
//! encoded pages of one row group, not the row group's rows.
//!
//! The encoding threads are the writer's own, started with it and kept for
//! the whole file. Each slice once went to a blocking-pool thread and a
//! fresh helper thread: the column writers' buffers then grew on up to ten
//! threads in turn, and glibc's allocator, which keeps an arena per thread,
//! held each buffer's peak in every arena. With the same threads all along,
//! a 5M-row load peaked at 131-144 MB instead of 160-190 MB.

use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};

use arrow_array::RecordBatch;
use arrow_schema::{DataType, Field, SchemaRef};

use crate::types::stored_decimal;
use bytes::Bytes;
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_writer::{ArrowColumnChunk, ArrowColumnWriter, ArrowRowGroupWriterFactory, compute_leaves};
use parquet::arrow::async_writer::AsyncFileWriter;
use parquet::errors::ParquetError;
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::types::Type;

/// Rows handed to the encoder at a time: enough to keep every core busy
/// for a while, few enough that holding two slices costs a few MB.
const SLICE_ROWS: usize = 32 * 1024;

/// What encoding a slice leaves: the row group's writers, still open, or
/// its finished column chunks.
enum Encoded {
    Open(Vec<ArrowColumnWriter>),
    Closed(Vec<ArrowColumnChunk>),
}

/// One parquet file written to `W` from batches of one schema.
pub(crate) struct ParallelParquetWriter<W> {
    schema: SchemaRef,
    /// The file so far; its buffer is drained into `out` after each row group.
    file: SerializedFileWriter<Vec<u8>>,
    columns: ArrowRowGroupWriterFactory,
    /// How many parquet leaf columns each Arrow field has (a struct has
    /// one per member).
    leaves_per_field: Vec<usize>,
    row_group_rows: usize,
    encoders: Encoders,
    /// Time spent encoding each field so far, in nanoseconds.
    costs: Arc<Vec<AtomicU64>>,
    /// Rows gathered for the next slice.
    gathering: Vec<RecordBatch>,
    gathered_rows: usize,
    /// Rows of the current row group, gathered or handed out.
    group_rows: usize,
    /// The current row group's writers while no slice is encoding.
    writers: Option<Vec<ArrowColumnWriter>>,
    /// The slice being encoded, and the signal that it is done.
    encoding: Option<(Arc<SliceWork>, tokio::sync::oneshot::Receiver<()>)>,
    row_groups: usize,
    out: W,
}

impl<W: AsyncFileWriter> ParallelParquetWriter<W> {
    /// A writer of `schema` into `out`, with `props` (their row group size
    /// bounds each row group).
    pub(crate) fn try_new(out: W, schema: SchemaRef, props: WriterProperties) -> Result<Self, ParquetError> {
        let row_group_rows = props.max_row_group_row_count().unwrap_or(usize::MAX).max(1);
        let (file, columns) =
            ArrowWriter::try_new(Vec::new(), schema.clone(), Some(props))?.into_serialized_writer()?;
        let leaves_per_field: Vec<usize> =
            file.schema_descr().root_schema().get_fields().iter().map(|f| leaf_count(f)).collect();
        let threads = std::thread::available_parallelism().map_or(1, usize::from);
        let fields = leaves_per_field.len();
        let encoders = Encoders::start(threads.min(fields).max(1))?;
        Ok(Self {
            schema,
            file,
            columns,
            leaves_per_field,
            row_group_rows,
            encoders,
            costs: Arc::new((0..fields).map(|_| AtomicU64::new(0)).collect()),
            gathering: Vec::new(),
            gathered_rows: 0,
            group_rows: 0,
            writers: None,
            encoding: None,
            row_groups: 0,
            out,
        })
    }

    /// Adds a batch's rows; a full slice goes off to be encoded.
    pub(crate) async fn write(&mut self, batch: &RecordBatch) -> Result<(), ParquetError> {
        let mut batch = batch.clone();
        while batch.num_rows() > 0 {
            let take = (self.row_group_rows - self.group_rows).min(batch.num_rows());
            self.gathering.push(batch.slice(0, take));
            self.gathered_rows += take;
            self.group_rows += take;
            batch = batch.slice(take, batch.num_rows() - take);
            let group_full = self.group_rows == self.row_group_rows;
            if group_full || self.gathered_rows >= SLICE_ROWS {
                self.encode_slice(group_full).await?;
            }
        }
        Ok(())
    }

    /// Writes the last row group and the footer, completes the output and
    /// returns it.
    pub(crate) async fn finish(mut self) -> Result<W, ParquetError> {
        if self.group_rows > 0 {
            self.encode_slice(true).await?;
        }
        self.collect_encoded().await?;
        if tracing::enabled!(tracing::Level::DEBUG) {
            let costs: Vec<String> = self
                .schema
                .fields()
                .iter()
                .zip(self.costs.iter())
                .map(|(f, c)| format!("{}={}ms", f.name(), c.load(Ordering::Relaxed) / 1_000_000))
                .collect();
            tracing::debug!(costs = %costs.join(" "), "column encoding time");
        }
        self.file.finish()?;
        self.drain().await?;
        self.out.complete().await?;
        Ok(self.out)
    }

    /// The output, unfinished (to cancel it).
    pub(crate) fn into_inner(self) -> W {
        self.out
    }

    /// Hands the gathered rows to the encoder once the previous slice is
    /// done (its writers are needed); `last` closes the row group after it.
    async fn encode_slice(&mut self, last: bool) -> Result<(), ParquetError> {
        self.collect_encoded().await?;
        let batches = std::mem::take(&mut self.gathering);
        self.gathered_rows = 0;
        let writers = match self.writers.take() {
            Some(w) => w,
            None => self.columns.create_column_writers(self.row_groups)?,
        };
        if last {
            self.group_rows = 0;
            self.row_groups += 1;
        }
        // The costliest fields first: a slice is done when its last field
        // is, and a cheap field last leaves the other threads idle least.
        let mut order: Vec<usize> = (0..self.leaves_per_field.len()).collect();
        order.sort_by_key(|&f| std::cmp::Reverse(self.costs[f].load(Ordering::Relaxed)));
        let (work, done) = SliceWork::new(
            self.schema.clone(),
            &self.leaves_per_field,
            batches,
            writers,
            last,
            order,
            self.costs.clone(),
        );
        self.encoders.run(&work)?;
        self.encoding = Some((work, done));
        Ok(())
    }

    /// Waits for the slice being encoded, if any: keeps its writers, or
    /// appends its row group to the file and sends the bytes.
    async fn collect_encoded(&mut self) -> Result<(), ParquetError> {
        let Some((work, done)) = self.encoding.take() else { return Ok(()) };
        done.await.map_err(|_| ParquetError::General("the column encoders stopped".into()))?;
        match work.results()? {
            Encoded::Open(writers) => self.writers = Some(writers),
            Encoded::Closed(chunks) => {
                let mut row_group = self.file.next_row_group()?;
                for chunk in chunks {
                    chunk.append_to_row_group(&mut row_group)?;
                }
                row_group.close()?;
                self.drain().await?;
            }
        }
        Ok(())
    }

    /// Sends what the file writer has produced so far to the output.
    async fn drain(&mut self) -> Result<(), ParquetError> {
        self.file.flush()?;
        let bytes = std::mem::take(self.file.inner_mut());
        if bytes.is_empty() { Ok(()) } else { self.out.write(Bytes::from(bytes)).await }
    }
}

/// The writer's encoding threads. Each takes every slice and encodes its
/// fields one at a time, taking the next field no other thread has taken,
/// so the fields of a slice spread over all of them. They end when the
/// writer is dropped.
struct Encoders {
    queues: Vec<mpsc::Sender<Arc<SliceWork>>>,
}

impl Encoders {
    fn start(threads: usize) -> Result<Self, ParquetError> {
        let mut queues = Vec::with_capacity(threads);
        for n in 0..threads {
            let (sender, receiver) = mpsc::channel::<Arc<SliceWork>>();
            std::thread::Builder::new()
                .name(format!("parquet-encoder-{n}"))
                .spawn(move || {
                    while let Ok(work) = receiver.recv() {
                        work.run();
                    }
                })
                .map_err(|e| ParquetError::External(Box::new(e)))?;
            queues.push(sender);
        }
        Ok(Self { queues })
    }

    /// Hands `work` to every thread.
    fn run(&self, work: &Arc<SliceWork>) -> Result<(), ParquetError> {
        for queue in &self.queues {
            queue.send(work.clone()).map_err(|_| ParquetError::General("a column encoder stopped".into()))?;
        }
        Ok(())
    }
}

/// One slice of rows to encode: its fields' writers (a field's leaves stay
/// on one thread, in order), and each field's result once encoded. With
/// `close`, the row group's chunks come back in the file's column order.
struct SliceWork {
    schema: SchemaRef,
    batches: Vec<RecordBatch>,
    close: bool,
    writers: Vec<Mutex<Option<Vec<ArrowColumnWriter>>>>,
    done: Vec<Mutex<Option<Result<FieldDone, ParquetError>>>>,
    /// The order fields are taken in, and the next to take.
    order: Vec<usize>,
    next: AtomicUsize,
    /// Where each field's encoding time is added up.
    costs: Arc<Vec<AtomicU64>>,
    /// Threads still working on the slice; the last one to finish says so.
    working: AtomicUsize,
    finished: Mutex<Option<tokio::sync::oneshot::Sender<()>>>,
}

impl SliceWork {
    fn new(
        schema: SchemaRef,
        leaves_per_field: &[usize],
        batches: Vec<RecordBatch>,
        writers: Vec<ArrowColumnWriter>,
        close: bool,
        order: Vec<usize>,
        costs: Arc<Vec<AtomicU64>>,
    ) -> (Arc<Self>, tokio::sync::oneshot::Receiver<()>) {
        let mut writers = writers.into_iter();
        let per_field =
            leaves_per_field.iter().map(|n| Mutex::new(Some(writers.by_ref().take(*n).collect()))).collect();
        let (finished, done) = tokio::sync::oneshot::channel();
        let work = Self {
            schema,
            batches,
            close,
            writers: per_field,
            done: leaves_per_field.iter().map(|_| Mutex::new(None)).collect(),
            order,
            next: AtomicUsize::new(0),
            costs,
            working: AtomicUsize::new(0),
            finished: Mutex::new(Some(finished)),
        };
        (Arc::new(work), done)
    }

    /// Encodes fields until none is left. A panic while encoding a field
    /// fails that field (and so the load), not the thread.
    fn run(&self) {
        self.working.fetch_add(1, Ordering::AcqRel);
        while let Some(&field) = self.order.get(self.next.fetch_add(1, Ordering::AcqRel)) {
            let started = std::time::Instant::now();
            let writers = self.writers[field].lock().expect("not poisoned").take().unwrap_or_default();
            let result = std::panic::catch_unwind(AssertUnwindSafe(|| {
                encode_field(&self.schema, field, &self.batches, writers, self.close)
            }))
            .unwrap_or_else(|_| {
                Err(ParquetError::General(format!("encoding column `{}` panicked", self.schema.field(field).name())))
            });
            self.costs[field].fetch_add(started.elapsed().as_nanos() as u64, Ordering::Relaxed);
            *self.done[field].lock().expect("not poisoned") = Some(result);
        }
        // The last thread out says the slice is done: every field was taken
        // before any thread left the loop, and each finished before leaving.
        if self.working.fetch_sub(1, Ordering::AcqRel) == 1
            && self.next.load(Ordering::Acquire) >= self.writers.len()
            && let Some(finished) = self.finished.lock().expect("not poisoned").take()
        {
            let _ = finished.send(());
        }
    }

    /// The encoded fields: the row group's open writers, or its chunks.
    fn results(&self) -> Result<Encoded, ParquetError> {
        let mut open = Vec::new();
        let mut closed = Vec::new();
        for slot in &self.done {
            match slot.lock().expect("not poisoned").take() {
                Some(Ok(FieldDone::Open(w))) => open.extend(w),
                Some(Ok(FieldDone::Closed(c))) => closed.extend(c),
                Some(Err(e)) => return Err(e),
                None => return Err(ParquetError::General("a column was not encoded".into())),
            }
        }
        Ok(if self.close { Encoded::Closed(closed) } else { Encoded::Open(open) })
    }
}

/// One field's writers after a slice.
enum FieldDone {
    Open(Vec<ArrowColumnWriter>),
    Closed(Vec<ArrowColumnChunk>),
}

/// Encodes one field of every batch with its leaf writers, closing them
/// with `close`.
fn encode_field(
    schema: &SchemaRef,
    field: usize,
    batches: &[RecordBatch],
    mut writers: Vec<ArrowColumnWriter>,
    close: bool,
) -> Result<FieldDone, ParquetError> {
    let arrow_field = schema.field(field);
    for batch in batches {
        let column = batch.column(field);
        let leaves = match narrow_decimal(arrow_field, column.data_type()) {
            Some(narrow) => compute_leaves(&narrow, column)?,
            None => compute_leaves(arrow_field, column)?,
        };
        if leaves.len() != writers.len() {
            return Err(ParquetError::General(format!(
                "column `{}` has {} leaves, the file has {}",
                arrow_field.name(),
                leaves.len(),
                writers.len()
            )));
        }
        for (writer, leaf) in writers.iter_mut().zip(&leaves) {
            writer.write(leaf)?;
        }
    }
    if close {
        writers.into_iter().map(ArrowColumnWriter::close).collect::<Result<_, _>>().map(FieldDone::Closed)
    } else {
        Ok(FieldDone::Open(writers))
    }
}

/// `field`, a decimal of up to 18 digits, as the narrower decimal type
/// `column` holds it in (a clustered write's rows, [`crate::cluster`]):
/// the same precision and scale in the 32 or 64 bits parquet stores, which
/// its writer takes as they are instead of casting each value. `None` for
/// any other pair of types.
fn narrow_decimal(field: &Field, column: &DataType) -> Option<Field> {
    (stored_decimal(field.data_type()).as_ref() == Some(column)).then(|| field.clone().with_data_type(column.clone()))
}

/// Primitive (leaf) columns under a parquet type.
fn leaf_count(t: &Type) -> usize {
    if t.is_primitive() { 1 } else { t.get_fields().iter().map(|f| leaf_count(f)).sum() }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_array::builder::{Int64Builder, ListBuilder, StringBuilder};
    use arrow_array::{ArrayRef, Int64Array, StringArray, StructArray};
    use arrow_schema::{DataType, Field, Fields, Schema};
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

    use super::*;

    /// Batches with a plain, a nullable string, a list and a struct column.
    fn batches(schema: &SchemaRef, sizes: &[usize]) -> Vec<RecordBatch> {
        let mut start = 0i64;
        sizes
            .iter()
            .map(|&n| {
                let ids: Vec<i64> = (start..start + n as i64).collect();
                start += n as i64;
                let names: StringArray = ids.iter().map(|i| (i % 3 != 0).then(|| format!("name {}", i % 17))).collect();
                let mut tags = ListBuilder::new(StringBuilder::new());
                for i in &ids {
                    for t in 0..(i % 3) {
                        tags.values().append_value(format!("t{t}"));
                    }
                    tags.append(i % 5 != 0);
                }
                let mut inner = Int64Builder::new();
                ids.iter().for_each(|i| inner.append_option((i % 4 != 0).then_some(i * 10)));
                let point = StructArray::from(vec![
                    (Arc::new(Field::new("x", DataType::Int64, true)), Arc::new(inner.finish()) as ArrayRef),
                    (
                        Arc::new(Field::new("label", DataType::Utf8, false)),
                        Arc::new(StringArray::from_iter_values(ids.iter().map(|i| format!("p{i}")))) as ArrayRef,
                    ),
                ]);
                let columns: Vec<ArrayRef> =
                    vec![Arc::new(Int64Array::from(ids)), Arc::new(names), Arc::new(tags.finish()), Arc::new(point)];
                RecordBatch::try_new(schema.clone(), columns).unwrap()
            })
            .collect()
    }

    fn schema() -> SchemaRef {
        let point =
            Fields::from(vec![Field::new("x", DataType::Int64, true), Field::new("label", DataType::Utf8, false)]);
        Arc::new(Schema::new(vec![
            Field::new("id", DataType::Int64, false),
            Field::new("name", DataType::Utf8, true),
            Field::new("tags", DataType::List(Arc::new(Field::new("item", DataType::Utf8, true))), true),
            Field::new("point", DataType::Struct(point), true),
        ]))
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_file_holds_every_row_in_order_in_row_groups_of_the_set_size() {
        let schema = schema();
        let input = batches(&schema, &[1000, 7, 2500, 1, 3000, 40_000, 9, 60_000, 43_483]);
        // Row groups span several slices, end inside a batch, and the last
        // one's rows are all encoded before it is closed.
        let props = WriterProperties::builder().set_max_row_group_row_count(Some(100_000)).build();
        let mut writer = ParallelParquetWriter::try_new(Vec::<u8>::new(), schema.clone(), props).unwrap();
        for b in &input {
            writer.write(b).await.unwrap();
        }
        let file = Bytes::from(writer.finish().await.unwrap());

        let reader = ParquetRecordBatchReaderBuilder::try_new(file).unwrap();
        let sizes: Vec<i64> = reader.metadata().row_groups().iter().map(|g| g.num_rows()).collect();
        assert_eq!(sizes, vec![100_000, 50_000]);
        assert_eq!(reader.schema().fields(), schema.fields(), "the Arrow schema is kept in the file");
        let read: Vec<RecordBatch> = reader.build().unwrap().collect::<Result<_, _>>().unwrap();
        let expected = arrow_select_concat(&schema, &input);
        assert_eq!(arrow_select_concat(&schema, &read), expected);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn decimals_given_narrow_make_the_same_file_as_at_full_width() {
        use arrow_array::{Decimal32Array, Decimal64Array, Decimal128Array};

        let schema: SchemaRef = Arc::new(Schema::new(vec![
            Field::new("amount", DataType::Decimal128(18, 2), true),
            Field::new("rate", DataType::Decimal128(9, 4), false),
        ]));
        let amounts: Vec<Option<i64>> =
            (0..5000).map(|i| (i % 7 != 0).then_some((i - 2500) * 999_999_999_999_999 / 2500)).collect();
        let rates: Vec<i32> = (0..5000).map(|i| (i - 2500) * 399_999).collect();
        let wide = RecordBatch::try_new(
            schema.clone(),
            vec![
                Arc::new(
                    amounts
                        .iter()
                        .map(|a| a.map(i128::from))
                        .collect::<Decimal128Array>()
                        .with_precision_and_scale(18, 2)
                        .unwrap(),
                ),
                Arc::new(
                    rates
                        .iter()
                        .map(|&r| i128::from(r))
                        .map(Some)
                        .collect::<Decimal128Array>()
                        .with_precision_and_scale(9, 4)
                        .unwrap(),
                ),
            ],
        )
        .unwrap();
        let narrow_schema = Arc::new(Schema::new(vec![
            Field::new("amount", DataType::Decimal64(18, 2), true),
            Field::new("rate", DataType::Decimal32(9, 4), false),
        ]));
        let narrow = RecordBatch::try_new(
            narrow_schema,
            vec![
                Arc::new(Decimal64Array::from(amounts).with_precision_and_scale(18, 2).unwrap()),
                Arc::new(Decimal32Array::from(rates).with_precision_and_scale(9, 4).unwrap()),
            ],
        )
        .unwrap();
        let mut files = Vec::new();
        for batches in
            [vec![wide.slice(0, 3000), wide.slice(3000, 2000)], vec![narrow.slice(0, 3000), narrow.slice(3000, 2000)]]
        {
            let mut writer =
                ParallelParquetWriter::try_new(Vec::<u8>::new(), schema.clone(), WriterProperties::default()).unwrap();
            for b in &batches {
                writer.write(b).await.unwrap();
            }
            files.push(writer.finish().await.unwrap());
        }
        assert_eq!(files[0], files[1], "byte for byte");
        let reader = ParquetRecordBatchReaderBuilder::try_new(Bytes::from(files.pop().unwrap())).unwrap();
        assert_eq!(reader.schema(), &schema, "decimals at full width in the file's Arrow schema");
        let read: Vec<RecordBatch> = reader.build().unwrap().collect::<Result<_, _>>().unwrap();
        assert_eq!(arrow_select_concat(&schema, &read), wide);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_stream_without_rows_is_a_file_without_row_groups() {
        let schema = schema();
        let writer =
            ParallelParquetWriter::try_new(Vec::<u8>::new(), schema.clone(), WriterProperties::default()).unwrap();
        let file = Bytes::from(writer.finish().await.unwrap());
        let reader = ParquetRecordBatchReaderBuilder::try_new(file).unwrap();
        assert_eq!(reader.metadata().num_row_groups(), 0);
        assert_eq!(reader.schema().fields(), schema.fields());
    }

    fn arrow_select_concat(schema: &SchemaRef, batches: &[RecordBatch]) -> RecordBatch {
        arrow_select::concat::concat_batches(schema, batches).unwrap()
    }
}
