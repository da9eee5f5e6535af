//! One spill file of a clustered write: the rows of every share of one
//! split, in one Arrow IPC file.
//!
//! Rows arrive in chunks; each chunk's rows, grouped by share, are appended
//! as one IPC batch per share, and the file remembers which batches are
//! whose. A share is read back by seeking to its batches, so one file
//! written front to back serves every share, however many there are, and
//! the write keeps one file open, not one per share, and reads it through
//! one reader (opening a reader parses the file's footer, an entry per
//! batch: hundreds of thousands for a large load). Batches are not
//! compressed: LZ4 took 30% of the CPU of taking a 20M-row load in, and
//! the file is read once, soon after it is written. Rows are written and
//! read back narrow ([`super::narrow`]).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use arrow_array::RecordBatch;
use arrow_ipc::reader::FileReader;
use arrow_ipc::writer::FileWriter;

use super::narrow::Narrowing;
use crate::WarehouseError;

/// What the file holds of one share.
#[derive(Debug, Default, Clone)]
pub(super) struct Share {
    /// Its IPC batches, in the order written.
    batches: Vec<usize>,
    pub(super) rows: usize,
    /// Its rows' size in memory once read: their size in the file.
    pub(super) bytes: usize,
}

/// A spill file being written.
pub(super) struct SpillWriter {
    path: RemovedOnDrop,
    writer: FileWriter<Counted<BufWriter<File>>>,
    written: usize,
    shares: Vec<Share>,
    narrowing: Arc<Narrowing>,
}

impl SpillWriter {
    /// A new file at `path` for `shares` shares of rows in `narrowing`'s
    /// narrow form.
    pub(super) fn create(path: PathBuf, narrowing: Arc<Narrowing>, shares: usize) -> Result<Self, WarehouseError> {
        let file = File::create(&path).map_err(|e| io_error("create", &path, e))?;
        let path = RemovedOnDrop(path);
        let out = Counted { inner: BufWriter::with_capacity(1 << 20, file), bytes: 0 };
        let writer = FileWriter::try_new(out, narrowing.narrow_schema()).map_err(|e| io_error("create", &path.0, e))?;
        Ok(Self { path, writer, written: 0, shares: vec![Share::default(); shares], narrowing })
    }

    /// `rows` in the form the file holds them, to be appended.
    pub(super) fn narrow(&self, rows: &RecordBatch) -> Result<RecordBatch, WarehouseError> {
        self.narrowing.narrow(rows).map_err(|e| io_error("write", &self.path.0, e))
    }

    /// Appends rows of `share`, narrowed ([`Self::narrow`]).
    pub(super) fn append(&mut self, share: usize, rows: &RecordBatch) -> Result<(), WarehouseError> {
        let before = self.writer.get_ref().bytes;
        self.writer.write(rows).map_err(|e| io_error("write", &self.path.0, e))?;
        let entry = &mut self.shares[share];
        entry.batches.push(self.written);
        entry.rows += rows.num_rows();
        // What the batch took in the file: only the rows' own part of each
        // buffer is written, however the slice shares its parent's buffers.
        entry.bytes += self.writer.get_ref().bytes - before;
        self.written += 1;
        Ok(())
    }

    /// Completes the file, ready to be read share by share.
    pub(super) fn finish(self) -> Result<Spilled, WarehouseError> {
        let Self { path, mut writer, shares, narrowing, .. } = self;
        let failed = |e: &dyn std::fmt::Display| io_error("write", &path.0, e);
        writer.finish().map_err(|e| failed(&e))?;
        let file = writer.into_inner().map_err(|e| failed(&e))?;
        file.inner.into_inner().map_err(|e| failed(&e.into_error()))?;
        let file = File::open(&path.0).map_err(|e| io_error("read", &path.0, e))?;
        // Unbuffered: every batch is a seek, which would drop a buffer's
        // contents, and the reader asks for a batch's bytes in one read.
        let reader = FileReader::try_new(file, None).map_err(|e| io_error("read", &path.0, e))?;
        Ok(Spilled { reader: Arc::new(Mutex::new(reader)), narrowing, shares, path })
    }
}

/// A writer that counts the bytes written through it.
struct Counted<W> {
    inner: W,
    bytes: usize,
}

impl<W: Write> Write for Counted<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.bytes += n;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// A spill file's path; the file goes with it, whether it was completed
/// or the write failed or was cancelled half way.
#[derive(Debug)]
struct RemovedOnDrop(PathBuf);

impl Drop for RemovedOnDrop {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// A completed spill file; removed when dropped.
#[derive(Debug)]
pub(super) struct Spilled {
    // Fields drop in this order: the reader closes the file before it is
    // removed (a system that cannot remove an open file would keep it).
    reader: Arc<Mutex<FileReader<File>>>,
    narrowing: Arc<Narrowing>,
    shares: Vec<Share>,
    path: RemovedOnDrop,
}

impl Spilled {
    pub(super) fn shares(&self) -> &[Share] {
        &self.shares
    }

    /// The rows of share `index`, batch by batch, in the order written,
    /// narrow.
    pub(super) fn read(&self, index: usize) -> ShareReader {
        ShareReader {
            path: self.path.0.clone(),
            reader: self.reader.clone(),
            narrowing: self.narrowing.clone(),
            batches: self.shares[index].batches.clone().into_iter(),
        }
    }
}

/// The batches of one share of a spill file.
pub(super) struct ShareReader {
    path: PathBuf,
    reader: Arc<Mutex<FileReader<File>>>,
    narrowing: Arc<Narrowing>,
    batches: std::vec::IntoIter<usize>,
}

impl ShareReader {
    /// The share's rows in the rows' own schema, decimals at full width.
    pub(super) fn widened(self) -> impl Iterator<Item = Result<RecordBatch, WarehouseError>> {
        let (path, narrowing) = (self.path.clone(), self.narrowing.clone());
        self.map(move |batch| narrowing.widen(batch?).map_err(|e| io_error("read", &path, e)))
    }
}

impl Iterator for ShareReader {
    type Item = Result<RecordBatch, WarehouseError>;

    fn next(&mut self) -> Option<Self::Item> {
        let index = self.batches.next()?;
        let batch = {
            // A panic elsewhere while reading leaves the reader usable: each
            // read seeks to its batch first.
            let mut reader = self.reader.lock().unwrap_or_else(PoisonError::into_inner);
            reader.set_index(index).and_then(|()| reader.next().transpose())
        };
        Some(match batch {
            Ok(Some(batch)) => Ok(batch),
            Ok(None) => Err(io_error("read", &self.path, format!("batch {index} is missing"))),
            Err(e) => Err(io_error("read", &self.path, e)),
        })
    }
}

fn io_error(what: &str, path: &Path, e: impl std::fmt::Display) -> WarehouseError {
    WarehouseError::Sort(format!("cannot {what} its spill file {}: {e}", path.display()))
}
