//! What signed embedding must remember across restarts: the nonces and
//! URLs already spent, the URLs ponte itself signed (and for whom), and the
//! embed sessions they started.
//!
//! Kept here rather than in the server's memory so that a restart (a
//! deploy, a crash, the OOM killer) neither lets a used login URL in again
//! nor logs every customer out, and so that every server process sharing
//! the state folder sees the same sessions. Every row carries the Unix
//! second it stops mattering at; expired rows are removed as new ones come.

use std::collections::BTreeMap;

use rusqlite::{OptionalExtension, params};

use crate::db::{StateDb, StateError};

/// Whether a login URL could be spent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmbedUrlUse {
    /// Neither the URL nor its nonce was used before; both are now spent.
    Fresh,
    /// This very URL was used before.
    UrlReused,
    /// Another URL with the same nonce was used before.
    NonceReused,
}

/// An embed session as stored: who it is for and what it grants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmbedSessionRecord {
    /// Who signed the login URL: the portal holding the embed secret, or
    /// the API client that asked `POST /api/4.0/embed/sso_url`. One user's
    /// sessions are replaced per signer, so one signer cannot end the
    /// sessions another signer started.
    pub signer: String,
    /// The portal's id for the user.
    pub external_user_id: String,
    /// Looker permission names.
    pub permissions: Vec<String>,
    /// Models the user may query.
    pub models: Vec<String>,
    /// What access filters read.
    pub user_attributes: BTreeMap<String, String>,
    /// When the session ends, Unix seconds.
    pub expires_at: i64,
}

impl StateDb {
    /// Spends a login URL, named by its SHA-256, and its nonce: refuses a
    /// URL or a nonce seen before (the URL first, the clearer reason),
    /// otherwise remembers the URL until `url_until` and the nonce until
    /// `nonce_until`. One transaction, so two processes cannot both spend
    /// the same URL.
    pub fn spend_embed_url(
        &self,
        nonce: &str,
        url_digest: &[u8; 32],
        now: i64,
        url_until: i64,
        nonce_until: i64,
    ) -> Result<EmbedUrlUse, StateError> {
        let mut conn = self.conn();
        let tx = self.write_transaction(&mut conn)?;
        let err = |e| self.err(e);
        tx.execute("DELETE FROM used_embed_urls WHERE expires_at < ?1", params![now]).map_err(err)?;
        tx.execute("DELETE FROM used_embed_nonces WHERE expires_at < ?1", params![now]).map_err(err)?;
        let url_used = tx
            .query_row("SELECT 1 FROM used_embed_urls WHERE digest = ?1", params![&url_digest[..]], |_| Ok(()))
            .optional()
            .map_err(err)?
            .is_some();
        if url_used {
            return Ok(EmbedUrlUse::UrlReused);
        }
        let nonce_used = tx
            .query_row("SELECT 1 FROM used_embed_nonces WHERE nonce = ?1", params![nonce], |_| Ok(()))
            .optional()
            .map_err(err)?
            .is_some();
        if nonce_used {
            return Ok(EmbedUrlUse::NonceReused);
        }
        tx.execute(
            "INSERT INTO used_embed_urls (digest, expires_at) VALUES (?1, ?2)",
            params![&url_digest[..], url_until],
        )
        .map_err(err)?;
        tx.execute("INSERT INTO used_embed_nonces (nonce, expires_at) VALUES (?1, ?2)", params![nonce, nonce_until])
            .map_err(err)?;
        tx.commit().map_err(err)?;
        Ok(EmbedUrlUse::Fresh)
    }

    /// Whether a login URL and its nonce are still unspent, without
    /// spending them (`validate_embed_url`).
    pub fn embed_url_use(&self, nonce: &str, url_digest: &[u8; 32], now: i64) -> Result<EmbedUrlUse, StateError> {
        let conn = self.conn();
        let err = |e| self.err(e);
        let found = |sql: &str, value: &dyn rusqlite::ToSql| {
            conn.query_row(sql, params![value, now], |_| Ok(())).optional().map(|r| r.is_some()).map_err(err)
        };
        if found("SELECT 1 FROM used_embed_urls WHERE digest = ?1 AND expires_at >= ?2", &&url_digest[..])? {
            return Ok(EmbedUrlUse::UrlReused);
        }
        if found("SELECT 1 FROM used_embed_nonces WHERE nonce = ?1 AND expires_at >= ?2", &nonce)? {
            return Ok(EmbedUrlUse::NonceReused);
        }
        Ok(EmbedUrlUse::Fresh)
    }

    /// Remembers that `signer` had ponte sign the URL with `nonce`, until
    /// `until` (after which the URL cannot log in anyway).
    pub fn record_signed_nonce(&self, nonce: &str, signer: &str, now: i64, until: i64) -> Result<(), StateError> {
        let mut conn = self.conn();
        let tx = self.write_transaction(&mut conn)?;
        let err = |e| self.err(e);
        tx.execute("DELETE FROM signed_embed_nonces WHERE expires_at < ?1", params![now]).map_err(err)?;
        tx.execute(
            "INSERT OR REPLACE INTO signed_embed_nonces (nonce, signer, expires_at) VALUES (?1, ?2, ?3)",
            params![nonce, signer, until],
        )
        .map_err(err)?;
        tx.commit().map_err(err)
    }

    /// Who had ponte sign the URL with `nonce`, if ponte signed it.
    pub fn signer_of_nonce(&self, nonce: &str, now: i64) -> Result<Option<String>, StateError> {
        self.conn()
            .query_row(
                "SELECT signer FROM signed_embed_nonces WHERE nonce = ?1 AND expires_at >= ?2",
                params![nonce, now],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    /// Stores a new session under the SHA-256 of its id (the id itself,
    /// the cookie's value, is never stored), ending the sessions the same
    /// signer started earlier for the same user.
    pub fn start_embed_session(
        &self,
        id_digest: &[u8; 32],
        session: &EmbedSessionRecord,
        now: i64,
    ) -> Result<(), StateError> {
        let mut conn = self.conn();
        let tx = self.write_transaction(&mut conn)?;
        let err = |e| self.err(e);
        tx.execute("DELETE FROM embed_sessions WHERE expires_at <= ?1", params![now]).map_err(err)?;
        tx.execute(
            "DELETE FROM embed_sessions WHERE signer = ?1 AND external_user_id = ?2",
            params![session.signer, session.external_user_id],
        )
        .map_err(err)?;
        tx.execute(
            "INSERT INTO embed_sessions
                (id_digest, signer, external_user_id, permissions, models, user_attributes, expires_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                &id_digest[..],
                session.signer,
                session.external_user_id,
                json(&session.permissions),
                json(&session.models),
                json(&session.user_attributes),
                session.expires_at
            ],
        )
        .map_err(err)?;
        tx.commit().map_err(err)
    }

    /// The live session stored under `id_digest`.
    pub fn embed_session(&self, id_digest: &[u8; 32], now: i64) -> Result<Option<EmbedSessionRecord>, StateError> {
        let row = self
            .conn()
            .query_row(
                &format!("SELECT {GRANT_COLUMNS} FROM embed_sessions WHERE id_digest = ?1 AND expires_at > ?2"),
                params![&id_digest[..], now],
                |r| read_grants(r, 0),
            )
            .optional()
            .map_err(|e| self.err(e))?;
        Ok(row.flatten())
    }

    /// Ends the session stored under `id_digest`; whether there was one.
    pub fn end_embed_session(&self, id_digest: &[u8; 32]) -> Result<bool, StateError> {
        let removed = self
            .conn()
            .execute("DELETE FROM embed_sessions WHERE id_digest = ?1", params![&id_digest[..]])
            .map_err(|e| self.err(e))?;
        Ok(removed > 0)
    }
}

/// JSON text of the lists and maps of strings a session stores.
pub(crate) fn json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("lists and maps of strings serialise")
}

/// A session's grants from its stored columns; `None` for a row this code
/// did not write (its JSON does not parse): no session, fail closed.
/// The columns every session table stores a session's grants in, in the
/// order [`read_grants`] reads them.
pub(crate) const GRANT_COLUMNS: &str = "signer, external_user_id, permissions, models, user_attributes, expires_at";

/// The grants in [`GRANT_COLUMNS`] starting at column `first` of `row`;
/// `None` when a JSON column does not parse (a session no one can use).
pub(crate) fn read_grants(row: &rusqlite::Row<'_>, first: usize) -> rusqlite::Result<Option<EmbedSessionRecord>> {
    let text = |i: usize| row.get::<_, String>(first + i);
    let (permissions, models, attributes) = (text(2)?, text(3)?, text(4)?);
    let parsed = || {
        Some(EmbedSessionRecord {
            signer: text(0).ok()?,
            external_user_id: text(1).ok()?,
            permissions: serde_json::from_str(&permissions).ok()?,
            models: serde_json::from_str(&models).ok()?,
            user_attributes: serde_json::from_str(&attributes).ok()?,
            expires_at: row.get(first + 5).ok()?,
        })
    };
    Ok(parsed())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(signer: &str, user: &str, customer: &str, expires_at: i64) -> EmbedSessionRecord {
        EmbedSessionRecord {
            signer: signer.into(),
            external_user_id: user.into(),
            permissions: vec!["access_data".into()],
            models: vec!["comerc".into()],
            user_attributes: BTreeMap::from([("id_cliente".into(), customer.into())]),
            expires_at,
        }
    }

    #[test]
    fn a_url_and_its_nonce_are_spent_once_and_remembered_across_reopens() {
        let dir = tempfile::tempdir().unwrap();
        let db = StateDb::open(dir.path()).unwrap();
        assert_eq!(db.spend_embed_url("n1", &[1; 32], 1000, 1600, 4600).unwrap(), EmbedUrlUse::Fresh);
        drop(db);
        let db = StateDb::open(dir.path()).unwrap();
        assert_eq!(db.spend_embed_url("n1", &[1; 32], 1001, 1601, 4601).unwrap(), EmbedUrlUse::UrlReused);
        assert_eq!(db.spend_embed_url("n1", &[2; 32], 1001, 1601, 4601).unwrap(), EmbedUrlUse::NonceReused);
        // Once the URL's memory ends, only its nonce's remains; then neither.
        assert_eq!(db.spend_embed_url("n1", &[1; 32], 1601, 2201, 5201).unwrap(), EmbedUrlUse::NonceReused);
        assert_eq!(db.spend_embed_url("n1", &[1; 32], 4601, 5201, 8201).unwrap(), EmbedUrlUse::Fresh);
    }

    #[test]
    fn sessions_survive_reopens_and_a_login_replaces_only_its_signers_session() {
        let dir = tempfile::tempdir().unwrap();
        let db = StateDb::open(dir.path()).unwrap();
        db.start_embed_session(&[1; 32], &session("portal", "maria", "7", 2000), 1000).unwrap();
        db.start_embed_session(&[2; 32], &session("api:b", "maria", "9", 2000), 1000).unwrap();
        drop(db);
        let db = StateDb::open(dir.path()).unwrap();
        assert_eq!(db.embed_session(&[1; 32], 1500).unwrap().unwrap().user_attributes["id_cliente"], "7");
        assert!(db.embed_session(&[1; 32], 2000).unwrap().is_none(), "expired");
        // Another signer's login for the same user id leaves the first alone.
        assert!(db.embed_session(&[2; 32], 1500).unwrap().is_some());
        db.start_embed_session(&[3; 32], &session("portal", "maria", "7", 3000), 1500).unwrap();
        assert!(db.embed_session(&[1; 32], 1501).unwrap().is_none(), "replaced by the same signer");
        assert!(db.embed_session(&[2; 32], 1501).unwrap().is_some(), "another signer's session stays");
        assert!(db.end_embed_session(&[3; 32]).unwrap());
        assert!(db.embed_session(&[3; 32], 1502).unwrap().is_none());
        assert!(!db.end_embed_session(&[3; 32]).unwrap());
    }

    #[test]
    fn signed_nonces_name_their_signer_until_they_expire() {
        let dir = tempfile::tempdir().unwrap();
        let db = StateDb::open(dir.path()).unwrap();
        db.record_signed_nonce("n", "api:a", 100, 500).unwrap();
        assert_eq!(db.signer_of_nonce("n", 400).unwrap().as_deref(), Some("api:a"));
        assert_eq!(db.signer_of_nonce("n", 501).unwrap(), None);
        assert_eq!(db.signer_of_nonce("other", 400).unwrap(), None);
    }
}
