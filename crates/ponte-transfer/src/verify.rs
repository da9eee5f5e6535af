//! The checks a copy passes besides size: the MD5 a store's ETag stands
//! for, and the CRC32C a store reports for the object (GCS, through
//! [`ponte_store::HashReporter`]), on either side. The report counts which
//! checks each copied object passed, so "verified by size alone" is a
//! number an operator can see, and see at 0.

use object_store::path::Path;
use ponte_store::{HashReporter, same_tag};

use crate::copy::CopyFailure;
use crate::report::ErrorCode;

/// Which checks a copied object passed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Checks {
    /// Its MD5 matched the source's or the sink's (ETag) report.
    pub md5: bool,
    /// Its CRC32C matched the source's or the sink's report.
    pub crc32c: bool,
}

/// Which side a report came from, for messages.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Side {
    Source,
    Sink,
}

/// Compares `crc32c`, computed over the bytes that went through, with what
/// the store at `path` reports for the version `e_tag` names. A report of
/// another version (the object was rewritten since) proves nothing either
/// way and is passed over; so is a store that reports no CRC32C.
///
/// Returns whether the CRC32C was compared.
pub(crate) async fn reported_crc32c(
    reporter: &dyn HashReporter,
    side: Side,
    path: &Path,
    e_tag: Option<&str>,
    crc32c: u32,
    key: &str,
) -> Result<bool, CopyFailure> {
    let reported = reporter.hashes(path).await.map_err(|e| CopyFailure {
        code: ErrorCode::of(&e),
        message: format!("asking the {} for the object's CRC32C: {e}", side.name()),
    })?;
    let Some(reported) = reported else {
        return Err(CopyFailure {
            code: ErrorCode::Unavailable,
            message: format!("{key}: the {} no longer has the object, so its CRC32C cannot be checked", side.name()),
        });
    };
    if e_tag.is_some() && reported.e_tag.is_some() && !same_tag(e_tag, reported.e_tag.as_deref()) {
        tracing::info!(key, side = side.name(), "rewritten since the copy; its CRC32C is not compared");
        return Ok(false);
    }
    match reported.crc32c {
        None => Ok(false),
        Some(theirs) if theirs == crc32c => Ok(true),
        Some(theirs) => Err(CopyFailure {
            code: ErrorCode::DataLoss,
            message: match side {
                Side::Source => format!(
                    "{key}: read bytes hash to CRC32C {crc32c:08x}, but the source reports {theirs:08x}; nothing was kept"
                ),
                Side::Sink => format!(
                    "{key}: the sink reports CRC32C {theirs:08x} for the copy, but {crc32c:08x} was sent; the copy was removed"
                ),
            },
        }),
    }
}

impl Side {
    fn name(self) -> &'static str {
        match self {
            Side::Source => "source",
            Side::Sink => "sink",
        }
    }
}
