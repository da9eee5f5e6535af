//! What the transfer engine knew of a key when it last copied it.
//!
//! Where neither side exposes an MD5 (a local folder, a multipart upload),
//! "unchanged" means: the source still has the ETag, size and mtime it had
//! at the last copy, and the sink still has the ETag that copy produced.
//! That is a real content check by proxy, never size alone.
//!
//! The source side is compared with what the source's *listing* said at the
//! copy ([`Listed`]), not with what its GET said: some servers list no ETag
//! (`s3s-fs`) and S3 lists Last-Modified in milliseconds but sends it in
//! seconds, so only a listing compares with a listing.

use std::collections::HashMap;

use rusqlite::params;

use crate::db::{StateDb, StateError};

/// One key's record of its last copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fingerprint {
    /// Source ETag at copy time.
    pub source_etag: Option<String>,
    /// Source size at copy time.
    pub source_size: u64,
    /// Source modification time at copy time (µs since the epoch).
    pub source_mtime_us: i64,
    /// The ETag the sink reported for the copy.
    pub sink_etag: Option<String>,
    /// Bytes written.
    pub sink_size: u64,
    /// MD5 of the bytes, hex.
    pub md5: String,
    /// CRC32C of the bytes.
    pub crc32c: u32,
    /// What the source's listing said of the object the copy was planned
    /// from; `None` in fingerprints recorded before ponte kept it.
    pub listed: Option<Listed>,
}

/// What a source listing says of one object: the values a later listing
/// is compared with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    /// Size.
    pub size: u64,
    /// Last modification (µs since the epoch).
    pub mtime_us: i64,
    /// The ETag, when the listing carries one.
    pub etag: Option<String>,
}

impl StateDb {
    /// Every fingerprint recorded for a transfer job, by key.
    pub fn fingerprints(&self, job: &str) -> Result<HashMap<String, Fingerprint>, StateError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare_cached(
                "SELECT key, source_etag, source_size, source_mtime_us, sink_etag, sink_size, md5, crc32c,
                        listed_size, listed_mtime_us, listed_etag
                 FROM transfer_fingerprints WHERE job = ?1",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params![job], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    Fingerprint {
                        source_etag: r.get(1)?,
                        source_size: r.get::<_, i64>(2)? as u64,
                        source_mtime_us: r.get(3)?,
                        sink_etag: r.get(4)?,
                        sink_size: r.get::<_, i64>(5)? as u64,
                        md5: r.get(6)?,
                        crc32c: r.get::<_, i64>(7)? as u32,
                        listed: match (r.get::<_, Option<i64>>(8)?, r.get::<_, Option<i64>>(9)?) {
                            (Some(size), Some(mtime_us)) => {
                                Some(Listed { size: size as u64, mtime_us, etag: r.get(10)? })
                            }
                            _ => None,
                        },
                    },
                ))
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    /// Records fingerprints of copies, in one transaction.
    pub fn record_fingerprints(&self, job: &str, items: &[(String, Fingerprint)]) -> Result<(), StateError> {
        let mut conn = self.conn();
        let tx = self.write_transaction(&mut conn)?;
        {
            let mut stmt = tx
                .prepare_cached(
                    "INSERT OR REPLACE INTO transfer_fingerprints
                     (job, key, source_etag, source_size, source_mtime_us, sink_etag, sink_size, md5, crc32c, copied_at,
                      listed_size, listed_mtime_us, listed_etag)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
                )
                .map_err(|e| self.err(e))?;
            let now = chrono::Utc::now().to_rfc3339();
            for (key, f) in items {
                stmt.execute(params![
                    job,
                    key,
                    f.source_etag,
                    f.source_size as i64,
                    f.source_mtime_us,
                    f.sink_etag,
                    f.sink_size as i64,
                    f.md5,
                    i64::from(f.crc32c),
                    now,
                    f.listed.as_ref().map(|l| l.size as i64),
                    f.listed.as_ref().map(|l| l.mtime_us),
                    f.listed.as_ref().and_then(|l| l.etag.as_deref()),
                ])
                .map_err(|e| self.err(e))?;
            }
        }
        tx.commit().map_err(|e| self.err(e))
    }

    /// Forgets keys (deleted from the sink).
    pub fn forget_fingerprints(&self, job: &str, keys: &[String]) -> Result<(), StateError> {
        let mut conn = self.conn();
        let tx = self.write_transaction(&mut conn)?;
        {
            let mut stmt = tx
                .prepare_cached("DELETE FROM transfer_fingerprints WHERE job = ?1 AND key = ?2")
                .map_err(|e| self.err(e))?;
            for key in keys {
                stmt.execute(params![job, key]).map_err(|e| self.err(e))?;
            }
        }
        tx.commit().map_err(|e| self.err(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_round_trip_per_job() {
        let dir = tempfile::tempdir().unwrap();
        let db = StateDb::open(dir.path()).unwrap();
        let f = Fingerprint {
            source_etag: Some("\"abc\"".into()),
            source_size: 10,
            source_mtime_us: 1_700_000_000_000_000,
            sink_etag: None,
            sink_size: 10,
            md5: "00".repeat(16),
            crc32c: u32::MAX,
            listed: Some(Listed { size: 10, mtime_us: 1_700_000_000_123_000, etag: None }),
        };
        db.record_fingerprints("a", &[("k 1/ç".into(), f.clone())]).unwrap();
        db.record_fingerprints("b", &[("k2".into(), Fingerprint { listed: None, ..f.clone() })]).unwrap();
        let a = db.fingerprints("a").unwrap();
        assert_eq!(a.len(), 1);
        assert_eq!(a["k 1/ç"], f);
        db.forget_fingerprints("a", &["k 1/ç".into()]).unwrap();
        assert!(db.fingerprints("a").unwrap().is_empty());
        // Reopening keeps what was written.
        drop(db);
        let b = StateDb::open(dir.path()).unwrap().fingerprints("b").unwrap();
        assert_eq!(b["k2"].listed, None);
    }

    /// A state folder whose fingerprints were recorded before they kept the
    /// source's listing: they are read back without it (so the plan falls
    /// back to what they do hold), and new ones are recorded with it.
    #[test]
    fn fingerprints_recorded_before_the_listing_was_kept_read_without_it() {
        let dir = tempfile::tempdir().unwrap();
        let before = crate::db::MIGRATIONS.iter().position(|m| m.contains("listed_size")).unwrap();
        {
            let conn = rusqlite::Connection::open(dir.path().join("ponte.db")).unwrap();
            for sql in &crate::db::MIGRATIONS[..before] {
                conn.execute_batch(sql).unwrap();
            }
            conn.pragma_update(None, "user_version", before as i64).unwrap();
            conn.execute(
                "INSERT INTO transfer_fingerprints
                 (job, key, source_etag, source_size, source_mtime_us, sink_etag, sink_size, md5, crc32c, copied_at)
                 VALUES ('j', 'old', '\"e\"', 3, 5, '\"d\"', 3, 'ab', 7, 'then')",
                [],
            )
            .unwrap();
        }
        let db = StateDb::open(dir.path()).unwrap();
        let old = &db.fingerprints("j").unwrap()["old"];
        assert_eq!((old.source_etag.as_deref(), old.source_size, old.listed.as_ref()), (Some("\"e\""), 3, None));
        let listed = Listed { size: 3, mtime_us: 6, etag: None };
        db.record_fingerprints("j", &[("old".into(), Fingerprint { listed: Some(listed.clone()), ..old.clone() })])
            .unwrap();
        drop(db);
        let db = StateDb::open(dir.path()).unwrap();
        assert_eq!(db.fingerprints("j").unwrap()["old"].listed, Some(listed));
    }
}
