//! Queries saved through the API (`POST /api/4.0/queries`), so that a
//! client can run them by id later, after a restart too.
//!
//! A saved query belongs to whoever saved it: its filters may hold values
//! that are that caller's business (a customer's names, amounts), so only
//! its owner can read or run it by id. Ids are random, so holding one id
//! tells nothing about the others. Who may run it with which access
//! filters is still decided when it runs, not here.

use rusqlite::{OptionalExtension, params};

use crate::db::{StateDb, StateError};

impl StateDb {
    /// Saves `body` for `owner` and returns its id; the same owner saving
    /// the same body again gets the same id rather than a new row.
    /// `new_id` makes an id for a body not saved before (random, so ids
    /// cannot be enumerated).
    pub fn save_query(&self, owner: &str, body: &str, new_id: impl FnOnce() -> String) -> Result<String, StateError> {
        let mut conn = self.conn();
        let tx = self.write_transaction(&mut conn)?;
        let err = |e| self.err(e);
        let existing: Option<String> = tx
            .query_row("SELECT id FROM saved_queries WHERE owner = ?1 AND body = ?2", params![owner, body], |r| {
                r.get(0)
            })
            .optional()
            .map_err(err)?;
        let id = match existing {
            Some(id) => id,
            None => {
                let id = new_id();
                tx.execute("INSERT INTO saved_queries (id, owner, body) VALUES (?1, ?2, ?3)", params![id, owner, body])
                    .map_err(err)?;
                id
            }
        };
        tx.commit().map_err(err)?;
        Ok(id)
    }

    /// The body `owner` saved under `id`; `None` when there is none or it
    /// is someone else's (the caller cannot tell which).
    pub fn saved_query(&self, owner: &str, id: &str) -> Result<Option<String>, StateError> {
        self.conn()
            .query_row("SELECT body FROM saved_queries WHERE id = ?1 AND owner = ?2", params![id, owner], |r| r.get(0))
            .optional()
            .map_err(|e| self.err(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_body_keeps_its_id_across_reopens_and_only_its_owner_reads_it() {
        let dir = tempfile::tempdir().unwrap();
        let db = StateDb::open(dir.path()).unwrap();
        let mut next = 0;
        let mut id = || {
            next += 1;
            format!("q{next}")
        };
        let a = db.save_query("api:a", r#"{"model":"m","view":"a"}"#, &mut id).unwrap();
        let b = db.save_query("api:a", r#"{"model":"m","view":"b"}"#, &mut id).unwrap();
        assert_ne!(a, b);
        assert_eq!(db.save_query("api:a", r#"{"model":"m","view":"a"}"#, &mut id).unwrap(), a);
        // Another owner saving the same body gets an id of its own.
        let other = db.save_query("api:b", r#"{"model":"m","view":"a"}"#, &mut id).unwrap();
        assert_ne!(other, a);
        drop(db);
        let db = StateDb::open(dir.path()).unwrap();
        assert_eq!(db.saved_query("api:a", &b).unwrap().as_deref(), Some(r#"{"model":"m","view":"b"}"#));
        assert_eq!(db.saved_query("api:b", &b).unwrap(), None, "another owner's query");
        assert_eq!(db.saved_query("api:a", "nope").unwrap(), None);
    }
}
