//! Cookieless embedding's sessions and tokens (Looker's
//! `acquire_embed_cookieless_session` and `generate_tokens_for_cookieless_session`).
//!
//! A session is named by its reference token, which only the embedding
//! application's server holds; the browser holds short-lived tokens: an
//! authentication token that starts one frame (once), navigation tokens
//! that open pages, and API tokens. Everything is stored under the SHA-256
//! of its token, so a copy of the database holds nothing usable, and
//! survives restarts like the signed-embedding sessions beside it.

use rusqlite::{OptionalExtension, params};

use crate::db::{StateDb, StateError};
use crate::embed::{EmbedSessionRecord, GRANT_COLUMNS, json, read_grants};

/// The kinds of browser tokens of a cookieless session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CookielessToken {
    /// Starts a frame's session, once (`embed_authentication_token`).
    Authentication,
    /// Opens pages (`embed_navigation_token`).
    Navigation,
    /// Calls the API from the page.
    Api,
}

impl CookielessToken {
    fn as_str(self) -> &'static str {
        match self {
            Self::Authentication => "authentication",
            Self::Navigation => "navigation",
            Self::Api => "api",
        }
    }
}

/// A cookieless session: its grants, and the browser it is bound to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CookielessSession {
    /// Who the session is for and what it grants, as a signed-embedding
    /// session's (`signer` is the API client that acquired it).
    pub grants: EmbedSessionRecord,
    /// The browser's `User-Agent`, which every use must present.
    pub user_agent: String,
}

impl StateDb {
    /// Stores a new session under `reference_digest`, ending the sessions
    /// (and their tokens) the same signer acquired earlier for the same user.
    pub fn start_cookieless(
        &self,
        reference_digest: &[u8; 32],
        session: &CookielessSession,
        now: i64,
    ) -> Result<(), StateError> {
        let mut conn = self.conn();
        let tx = self.write_transaction(&mut conn)?;
        let err = |e| self.err(e);
        tx.execute("DELETE FROM cookieless_tokens WHERE expires_at <= ?1", params![now]).map_err(err)?;
        tx.execute(
            "DELETE FROM cookieless_tokens WHERE reference_digest IN (SELECT reference_digest FROM cookieless_sessions
             WHERE expires_at <= ?1 OR (signer = ?2 AND external_user_id = ?3))",
            params![now, session.grants.signer, session.grants.external_user_id],
        )
        .map_err(err)?;
        tx.execute(
            "DELETE FROM cookieless_sessions WHERE expires_at <= ?1 OR (signer = ?2 AND external_user_id = ?3)",
            params![now, session.grants.signer, session.grants.external_user_id],
        )
        .map_err(err)?;
        let g = &session.grants;
        tx.execute(
            "INSERT INTO cookieless_sessions (reference_digest, signer, external_user_id, permissions, models,
                 user_attributes, user_agent, expires_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                &reference_digest[..],
                g.signer,
                g.external_user_id,
                json(&g.permissions),
                json(&g.models),
                json(&g.user_attributes),
                session.user_agent,
                g.expires_at
            ],
        )
        .map_err(err)?;
        tx.commit().map_err(err)
    }

    /// Replaces a live session's permissions, models and attributes (a new
    /// acquire with its reference token). Whether there was one.
    pub fn update_cookieless_grants(
        &self,
        reference_digest: &[u8; 32],
        grants: &EmbedSessionRecord,
        now: i64,
    ) -> Result<bool, StateError> {
        let changed = self
            .conn()
            .execute(
                "UPDATE cookieless_sessions SET permissions = ?2, models = ?3, user_attributes = ?4
                 WHERE reference_digest = ?1 AND expires_at > ?5",
                params![
                    &reference_digest[..],
                    json(&grants.permissions),
                    json(&grants.models),
                    json(&grants.user_attributes),
                    now
                ],
            )
            .map_err(|e| self.err(e))?;
        Ok(changed > 0)
    }

    /// The live session stored under `reference_digest`.
    pub fn cookieless_session(
        &self,
        reference_digest: &[u8; 32],
        now: i64,
    ) -> Result<Option<CookielessSession>, StateError> {
        let row = self
            .conn()
            .query_row(
                &format!(
                    "SELECT user_agent, {GRANT_COLUMNS} FROM cookieless_sessions
                     WHERE reference_digest = ?1 AND expires_at > ?2"
                ),
                params![&reference_digest[..], now],
                |r| Ok((r.get::<_, String>(0)?, read_grants(r, 1)?)),
            )
            .optional()
            .map_err(|e| self.err(e))?;
        let Some((user_agent, Some(grants))) = row else { return Ok(None) };
        Ok(Some(CookielessSession { grants, user_agent }))
    }

    /// Ends a session and every token of it; whether there was one.
    pub fn end_cookieless(&self, reference_digest: &[u8; 32]) -> Result<bool, StateError> {
        let mut conn = self.conn();
        let tx = self.write_transaction(&mut conn)?;
        let err = |e| self.err(e);
        tx.execute("DELETE FROM cookieless_tokens WHERE reference_digest = ?1", params![&reference_digest[..]])
            .map_err(err)?;
        let removed = tx
            .execute("DELETE FROM cookieless_sessions WHERE reference_digest = ?1", params![&reference_digest[..]])
            .map_err(err)?;
        tx.commit().map_err(err)?;
        Ok(removed > 0)
    }

    /// Stores a browser token of `kind` for the session, until `expires_at`.
    pub fn add_cookieless_token(
        &self,
        token_digest: &[u8; 32],
        reference_digest: &[u8; 32],
        kind: CookielessToken,
        expires_at: i64,
    ) -> Result<(), StateError> {
        self.conn()
            .execute(
                "INSERT OR REPLACE INTO cookieless_tokens (digest, reference_digest, kind, expires_at, used)
                 VALUES (?1, ?2, ?3, ?4, 0)",
                params![&token_digest[..], &reference_digest[..], kind.as_str(), expires_at],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// The session a live token of `kind` belongs to. An authentication
    /// token is spent by this: a second use finds nothing.
    pub fn use_cookieless_token(
        &self,
        token_digest: &[u8; 32],
        kind: CookielessToken,
        now: i64,
    ) -> Result<Option<[u8; 32]>, StateError> {
        let mut conn = self.conn();
        let tx = self.write_transaction(&mut conn)?;
        let err = |e| self.err(e);
        let found: Option<Vec<u8>> = tx
            .query_row(
                "SELECT reference_digest FROM cookieless_tokens
                 WHERE digest = ?1 AND kind = ?2 AND expires_at > ?3 AND used = 0",
                params![&token_digest[..], kind.as_str(), now],
                |r| r.get(0),
            )
            .optional()
            .map_err(err)?;
        if found.is_some() && kind == CookielessToken::Authentication {
            tx.execute("UPDATE cookieless_tokens SET used = 1 WHERE digest = ?1", params![&token_digest[..]])
                .map_err(err)?;
        }
        tx.commit().map_err(err)?;
        Ok(found.and_then(|d| <[u8; 32]>::try_from(d.as_slice()).ok()))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn session(user: &str, customer: &str, expires_at: i64) -> CookielessSession {
        CookielessSession {
            grants: EmbedSessionRecord {
                signer: "api:a".into(),
                external_user_id: user.into(),
                permissions: vec!["access_data".into()],
                models: vec!["comerc".into()],
                user_attributes: BTreeMap::from([("id_cliente".into(), customer.into())]),
                expires_at,
            },
            user_agent: "Chromium".into(),
        }
    }

    #[test]
    fn tokens_reach_their_session_and_authentication_tokens_work_once() {
        let dir = tempfile::tempdir().unwrap();
        let db = StateDb::open(dir.path()).unwrap();
        db.start_cookieless(&[1; 32], &session("maria", "7", 1000), 0).unwrap();
        db.add_cookieless_token(&[10; 32], &[1; 32], CookielessToken::Authentication, 30).unwrap();
        db.add_cookieless_token(&[11; 32], &[1; 32], CookielessToken::Navigation, 600).unwrap();
        assert_eq!(db.use_cookieless_token(&[10; 32], CookielessToken::Authentication, 5).unwrap(), Some([1; 32]));
        assert_eq!(db.use_cookieless_token(&[10; 32], CookielessToken::Authentication, 6).unwrap(), None, "once");
        assert_eq!(db.use_cookieless_token(&[11; 32], CookielessToken::Api, 6).unwrap(), None, "another kind");
        assert_eq!(db.use_cookieless_token(&[11; 32], CookielessToken::Navigation, 6).unwrap(), Some([1; 32]));
        assert_eq!(db.use_cookieless_token(&[11; 32], CookielessToken::Navigation, 600).unwrap(), None, "expired");
        drop(db);
        let db = StateDb::open(dir.path()).unwrap();
        assert_eq!(db.cookieless_session(&[1; 32], 10).unwrap().unwrap().user_agent, "Chromium");
    }

    #[test]
    fn a_new_session_for_the_user_ends_the_old_one_and_grants_can_change() {
        let dir = tempfile::tempdir().unwrap();
        let db = StateDb::open(dir.path()).unwrap();
        db.start_cookieless(&[1; 32], &session("maria", "7", 1000), 0).unwrap();
        db.add_cookieless_token(&[11; 32], &[1; 32], CookielessToken::Navigation, 600).unwrap();
        let mut newer = session("maria", "7", 1000);
        newer.grants.user_attributes.insert("id_cliente".into(), "8".into());
        assert!(db.update_cookieless_grants(&[1; 32], &newer.grants, 1).unwrap());
        let read = db.cookieless_session(&[1; 32], 2).unwrap().unwrap();
        assert_eq!(read.grants.user_attributes["id_cliente"], "8");
        db.start_cookieless(&[2; 32], &session("maria", "9", 1000), 3).unwrap();
        assert!(db.cookieless_session(&[1; 32], 4).unwrap().is_none(), "replaced");
        assert_eq!(db.use_cookieless_token(&[11; 32], CookielessToken::Navigation, 4).unwrap(), None);
        assert!(db.end_cookieless(&[2; 32]).unwrap());
        assert!(db.cookieless_session(&[2; 32], 5).unwrap().is_none());
    }
}
