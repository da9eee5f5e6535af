//! Large results written out a batch at a time, so a download of every
//! row never holds the rows in memory as text.

use std::sync::Arc;

use bytes::Bytes;
use futures::StreamExt as _;
use futures::stream::BoxStream;
use ponte_semantic::compile::CompiledQuery;
use ponte_warehouse::{BatchStream, WarehouseError};

use super::json_text::write_rows;
use super::{ResultFormat, csv_header, csv_rows};

/// A result in `format` (`csv` or `json`; the others are built whole) as a
/// stream of chunks: the header or opening bracket, then each batch's rows
/// as they arrive. A failure half-way ends the stream with the error, so an
/// HTTP client sees a broken transfer, never a short file that looks
/// complete.
pub fn stream_chunks(
    query: CompiledQuery,
    format: ResultFormat,
    batches: BatchStream,
) -> BoxStream<'static, Result<Bytes, WarehouseError>> {
    let query = Arc::new(query);
    let opening = match format {
        ResultFormat::Csv => csv_header(&query),
        _ => "[".to_owned(),
    };
    let mut first = true;
    let rows = batches.map(move |batch| {
        let batch = batch.inspect_err(|e| tracing::error!("a streamed result failed: {e}"))?;
        let text = match format {
            ResultFormat::Csv => csv_rows(&query, std::slice::from_ref(&batch)),
            _ => {
                let mut text = Vec::new();
                write_rows(&query, &batch, &mut first, &mut text)
                    .map_err(|e| WarehouseError::Query(format!("cannot write a row as JSON: {e}")))?;
                return Ok(Bytes::from(text));
            }
        };
        Ok::<_, WarehouseError>(Bytes::from(text))
    });
    let closing = match format {
        ResultFormat::Csv => None,
        _ => Some(Ok(Bytes::from_static(b"]"))),
    };
    futures::stream::once(async move { Ok(Bytes::from(opening)) })
        .chain(rows)
        .chain(futures::stream::iter(closing))
        .boxed()
}
