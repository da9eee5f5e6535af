//! API access tokens ended by logout, until they would have expired anyway.
//!
//! Tokens are stateless (a MAC over the client, expiry and a nonce), so
//! logout is the one thing about them that must be written down. Kept in
//! the state database so a logged-out token stays dead across restarts and
//! in every process sharing the state folder.

use rusqlite::{OptionalExtension, params};

use crate::db::{StateDb, StateError};

impl StateDb {
    /// Ends the token whose MAC is `mac` (its raw bytes: one canonical form
    /// however the token's text spells them) until `expires_at`.
    pub fn revoke_token(&self, mac: &[u8], now: i64, expires_at: i64) -> Result<(), StateError> {
        let mut conn = self.conn();
        let tx = self.write_transaction(&mut conn)?;
        let err = |e| self.err(e);
        tx.execute("DELETE FROM revoked_tokens WHERE expires_at <= ?1", params![now]).map_err(err)?;
        tx.execute("INSERT OR REPLACE INTO revoked_tokens (mac, expires_at) VALUES (?1, ?2)", params![mac, expires_at])
            .map_err(err)?;
        tx.commit().map_err(err)
    }

    /// Whether the token whose MAC is `mac` was logged out.
    pub fn is_token_revoked(&self, mac: &[u8], now: i64) -> Result<bool, StateError> {
        let found = self
            .conn()
            .query_row("SELECT 1 FROM revoked_tokens WHERE mac = ?1 AND expires_at > ?2", params![mac, now], |_| Ok(()))
            .optional()
            .map_err(|e| self.err(e))?;
        Ok(found.is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_revoked_token_stays_revoked_across_reopens_until_it_expires() {
        let dir = tempfile::tempdir().unwrap();
        let db = StateDb::open(dir.path()).unwrap();
        db.revoke_token(&[7; 32], 100, 200).unwrap();
        drop(db);
        let db = StateDb::open(dir.path()).unwrap();
        assert!(db.is_token_revoked(&[7; 32], 150).unwrap());
        assert!(!db.is_token_revoked(&[8; 32], 150).unwrap());
        assert!(!db.is_token_revoked(&[7; 32], 200).unwrap(), "expired tokens need no memory");
    }
}
