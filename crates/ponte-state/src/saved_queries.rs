//! Queries saved through the API (`POST /api/4.0/queries`), so that a
//! client can run them by id later, after a restart too.
//!
//! A saved query is its request body as canonical JSON: who may run it,
//! and with which access filters, is decided when it runs, not here.

use rusqlite::{OptionalExtension, params};

use crate::db::{StateDb, StateError};

impl StateDb {
    /// Saves `body` and returns its id; saving the same body again returns
    /// the same id rather than a new row.
    pub fn save_query(&self, body: &str) -> Result<i64, StateError> {
        let mut conn = self.conn();
        let tx = self.write_transaction(&mut conn)?;
        tx.execute("INSERT OR IGNORE INTO saved_queries (body) VALUES (?1)", params![body]).map_err(|e| self.err(e))?;
        let id = tx
            .query_row("SELECT id FROM saved_queries WHERE body = ?1", params![body], |r| r.get(0))
            .map_err(|e| self.err(e))?;
        tx.commit().map_err(|e| self.err(e))?;
        Ok(id)
    }

    /// The body saved under `id`, if any.
    pub fn saved_query(&self, id: i64) -> Result<Option<String>, StateError> {
        self.conn()
            .query_row("SELECT body FROM saved_queries WHERE id = ?1", params![id], |r| r.get(0))
            .optional()
            .map_err(|e| self.err(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_body_keeps_its_id_across_reopens() {
        let dir = tempfile::tempdir().unwrap();
        let db = StateDb::open(dir.path()).unwrap();
        let a = db.save_query(r#"{"model":"m","view":"a"}"#).unwrap();
        let b = db.save_query(r#"{"model":"m","view":"b"}"#).unwrap();
        assert_ne!(a, b);
        assert_eq!(db.save_query(r#"{"model":"m","view":"a"}"#).unwrap(), a);
        drop(db);
        let db = StateDb::open(dir.path()).unwrap();
        assert_eq!(db.saved_query(b).unwrap().as_deref(), Some(r#"{"model":"m","view":"b"}"#));
        assert_eq!(db.saved_query(b + 100).unwrap(), None);
    }
}
