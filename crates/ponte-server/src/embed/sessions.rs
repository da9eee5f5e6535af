//! Embed sessions: what a verified signed URL grants, named by a random id
//! in a cookie and kept in the state database (under the id's SHA-256), so
//! a restart logs nobody out and every process sharing the state folder
//! knows every session.
//!
//! One session per user and signer: a new login replaces the sessions the
//! same signer started earlier for that `external_user_id` (Looker replaces
//! a user's session too), so a portal that signs a new URL with other
//! attributes never leaves the old ones usable. The signer is the portal
//! holding the embed secret, or the API client that had ponte sign the URL
//! (`POST /api/4.0/embed/sso_url`): a client signing a URL for another
//! tenant's user id cannot end that user's sessions.

use std::collections::BTreeMap;
use std::sync::Arc;

use ponte_embed::EmbedLogin;
use ponte_semantic::compile::Caller;
use ponte_state::{EmbedSessionRecord, StateDb, StateError};
use sha2::{Digest, Sha256};

/// The signer of URLs signed with the embed secret outside ponte.
pub const PORTAL_SIGNER: &str = "portal";

/// The signer name of URLs ponte signed for API client `client_id`.
pub fn api_signer(client_id: &str) -> String {
    format!("api:{client_id}")
}

/// A signed-in embed user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmbedSession {
    /// The portal's id for the user.
    pub external_user_id: String,
    /// Looker permission names (`access_data`, `see_user_dashboards`, …).
    pub permissions: Vec<String>,
    /// Models the user may query.
    pub models: Vec<String>,
    /// What access filters read.
    pub user_attributes: BTreeMap<String, String>,
    /// When the session ends (seconds since the epoch).
    pub expires_at: i64,
}

impl EmbedSession {
    /// Who is asking, for the semantic layer.
    pub fn caller(&self) -> Caller {
        Caller { user_attributes: self.user_attributes.clone() }
    }

    /// Whether the session has `permission`.
    pub fn can(&self, permission: &str) -> bool {
        self.permissions.iter().any(|p| p == permission)
    }
}

/// Every embed session, in the state database.
#[derive(Debug, Clone)]
pub struct EmbedSessions {
    state: Arc<StateDb>,
}

impl EmbedSessions {
    /// Sessions kept in `state`.
    pub fn new(state: Arc<StateDb>) -> Self {
        Self { state }
    }

    /// Starts a session for a verified login signed by `signer`, ending
    /// the earlier sessions `signer` started for the same user; returns the
    /// new session's id (the cookie's value).
    pub fn start(&self, login: &EmbedLogin, signer: &str, now: i64) -> Result<String, StateError> {
        let id = random_id();
        let record = EmbedSessionRecord {
            signer: signer.to_owned(),
            external_user_id: login.external_user_id.clone(),
            permissions: login.permissions.clone(),
            models: login.models.clone(),
            user_attributes: login.user_attributes.clone(),
            expires_at: now.saturating_add(i64::try_from(login.session_length).unwrap_or(i64::MAX)),
        };
        self.state.start_embed_session(&digest(&id), &record, now)?;
        Ok(id)
    }

    /// The live session named `id`. Only ids of the form ponte issues are
    /// looked up; anything else is no session.
    pub fn get(&self, id: &str, now: i64) -> Result<Option<EmbedSession>, StateError> {
        if !is_session_id(id) {
            return Ok(None);
        }
        Ok(self.state.embed_session(&digest(id), now)?.map(|r| EmbedSession {
            external_user_id: r.external_user_id,
            permissions: r.permissions,
            models: r.models,
            user_attributes: r.user_attributes,
            expires_at: r.expires_at,
        }))
    }

    /// Ends the session named `id`; whether there was one.
    pub fn end(&self, id: &str) -> Result<bool, StateError> {
        if !is_session_id(id) {
            return Ok(false);
        }
        self.state.end_embed_session(&digest(id))
    }
}

/// 32 random bytes as hex: a session id nobody can guess.
fn random_id() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the operating system provides randomness");
    hex::encode(bytes)
}

fn is_session_id(id: &str) -> bool {
    id.len() == 64 && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// What the database keeps instead of the id: a copy of the database does
/// not hold usable cookies.
fn digest(id: &str) -> [u8; 32] {
    Sha256::digest(id.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn login(user: &str, customer: &str, length: u64) -> EmbedLogin {
        let mut params = ponte_embed::EmbedParams::new("/embed/dashboards/1", user, 0);
        params.session_length = length;
        params.models = vec!["m".into()];
        let mut attrs = serde_json::Map::new();
        attrs.insert("id_cliente".into(), customer.into());
        params.user_attributes = Some(attrs);
        let secret = ponte_embed::Secret::new("s", ponte_embed::Algorithm::Sha256);
        let url = ponte_embed::sign_url("h", &params, &secret);
        let verifier = ponte_embed::Verifier::new("h", vec![secret], ["m"]).unwrap();
        verifier.verify(url.strip_prefix("https://h").unwrap(), 0).unwrap()
    }

    #[test]
    fn a_session_lasts_its_length_and_a_new_login_by_the_same_signer_replaces_it() {
        let dir = tempfile::tempdir().unwrap();
        let sessions = EmbedSessions::new(Arc::new(StateDb::open(dir.path()).unwrap()));
        let first = sessions.start(&login("u1", "1", 60), PORTAL_SIGNER, 0).unwrap();
        assert_eq!(sessions.get(&first, 59).unwrap().unwrap().user_attributes["id_cliente"], "1");
        assert!(sessions.get(&first, 60).unwrap().is_none(), "expired");
        let again = sessions.start(&login("u1", "2", 60), PORTAL_SIGNER, 10).unwrap();
        assert!(sessions.get(&first, 11).unwrap().is_none(), "the earlier session ended");
        assert_eq!(sessions.get(&again, 11).unwrap().unwrap().user_attributes["id_cliente"], "2");
        let other = sessions.start(&login("u2", "3", 60), PORTAL_SIGNER, 10).unwrap();
        assert!(sessions.get(&again, 11).unwrap().is_some() && sessions.get(&other, 11).unwrap().is_some());
        // An API client signing for the same user id leaves the portal's session alone.
        sessions.start(&login("u1", "9", 60), &api_signer("b"), 12).unwrap();
        assert!(sessions.get(&again, 13).unwrap().is_some());
        assert!(sessions.get("guess", 11).unwrap().is_none());
        assert!(sessions.end(&again).unwrap());
        assert!(sessions.get(&again, 14).unwrap().is_none());
    }
}
