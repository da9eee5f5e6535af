//! Embed sessions: what a verified signed URL grants, kept in this process
//! and named by a random id in a cookie.
//!
//! One session per `external_user_id`: a new login replaces that user's
//! earlier session (Looker does the same), so a portal that signs a new URL
//! with other attributes never leaves the old ones usable.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use ponte_embed::EmbedLogin;
use ponte_semantic::compile::Caller;

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

/// Every live embed session of this process.
#[derive(Debug, Default)]
pub struct EmbedSessions {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    by_id: HashMap<String, EmbedSession>,
    by_user: HashMap<String, String>,
}

impl EmbedSessions {
    /// Starts a session for a verified login, ending the user's earlier
    /// one; returns the new session's id.
    pub fn start(&self, login: &EmbedLogin, now: i64) -> String {
        let id = random_id();
        let session = EmbedSession {
            external_user_id: login.external_user_id.clone(),
            permissions: login.permissions.clone(),
            models: login.models.clone(),
            user_attributes: login.user_attributes.clone(),
            expires_at: now.saturating_add(i64::try_from(login.session_length).unwrap_or(i64::MAX)),
        };
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        // Ended sessions go, and with them their users' entries, so memory
        // follows the live sessions, not every user ever seen.
        inner.by_id.retain(|_, s| s.expires_at > now);
        let Inner { by_id, by_user } = &mut *inner;
        by_user.retain(|_, id| by_id.contains_key(id));
        if let Some(old) = inner.by_user.insert(login.external_user_id.clone(), id.clone()) {
            inner.by_id.remove(&old);
        }
        inner.by_id.insert(id.clone(), session);
        id
    }

    /// The live session named `id`.
    pub fn get(&self, id: &str, now: i64) -> Option<EmbedSession> {
        let inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        inner.by_id.get(id).filter(|s| s.expires_at > now).cloned()
    }
}

/// 32 random bytes as hex: a session id nobody can guess.
fn random_id() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the operating system provides randomness");
    hex::encode(bytes)
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
    fn a_session_lasts_its_length_and_a_new_login_replaces_it() {
        let sessions = EmbedSessions::default();
        let first = sessions.start(&login("u1", "1", 60), 0);
        assert_eq!(sessions.get(&first, 59).unwrap().user_attributes["id_cliente"], "1");
        assert!(sessions.get(&first, 60).is_none(), "expired");
        let again = sessions.start(&login("u1", "2", 60), 10);
        assert!(sessions.get(&first, 11).is_none(), "the earlier session ended");
        assert_eq!(sessions.get(&again, 11).unwrap().user_attributes["id_cliente"], "2");
        let other = sessions.start(&login("u2", "3", 60), 10);
        assert!(sessions.get(&again, 11).is_some() && sessions.get(&other, 11).is_some());
        assert!(sessions.get("guess", 11).is_none());
    }
}
