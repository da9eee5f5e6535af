//! S3 credentials from an assumed role (`role_arn`): a web identity token
//! traded for temporary credentials at AWS STS (`AssumeRoleWithWebIdentity`),
//! as Storage Transfer Service's "AWS IAM role for identity federation" does,
//! so no AWS key exists anywhere.
//!
//! object_store asks its credential provider before signing every request,
//! so the provider caches: the credentials are reused until fewer than
//! [`MIN_TTL`] remain, then the next request fetches new ones (a new token,
//! then STS), one fetch at a time; callers that arrive meanwhile wait for it
//! and take its result. object_store's built-in web identity provider cannot
//! serve here: it only reads a token file, and only speaks https.

mod error;
mod sts;
mod token;

use std::sync::{Arc, RwLock};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, TimeDelta, Utc};
use object_store::CredentialProvider;
use object_store::aws::{AwsCredential, AwsCredentialProvider};
use ponte_config::{RoleFederation, Store};

pub use error::RoleError;
use sts::{StsTarget, assume_role};
use token::TokenSource;

/// Credentials with less than this left are refreshed before use: five
/// minutes, as object_store's own providers do, so a request signed just
/// before expiry does not fail mid-transfer.
pub(crate) const MIN_TTL: TimeDelta = TimeDelta::minutes(5);

/// Credentials fetched this recently are used even inside [`MIN_TTL`]: an
/// STS that grants shorter sessions would otherwise be asked again for
/// every request.
const FETCH_BACKOFF: TimeDelta = TimeDelta::seconds(1);

/// The provider `open` gives an S3 store whose config sets `role_arn`.
pub(crate) fn provider(store: &Store, role: &RoleFederation) -> Result<AwsCredentialProvider, RoleError> {
    let token = TokenSource::resolve(&store.name, &role.token, |name| std::env::var(name).ok())?;
    let target = StsTarget {
        store: store.name.clone(),
        url: sts_url(role.sts_endpoint.as_deref(), store.options.region.as_deref()),
        role: role.role_arn.to_string(),
        session_name: role.session_name.as_str().to_owned(),
    };
    Ok(Arc::new(AssumedRoleProvider::new(target, token, store.options.allow_http)))
}

/// The STS endpoint: the configured one, else the store's region's
/// (regional endpoints are what AWS recommends), else the global one.
fn sts_url(configured: Option<&str>, region: Option<&str>) -> String {
    match (configured, region) {
        (Some(url), _) => url.to_owned(),
        (None, Some(r)) if r.starts_with("cn-") => format!("https://sts.{r}.amazonaws.com.cn"),
        (None, Some(r)) => format!("https://sts.{r}.amazonaws.com"),
        (None, None) => "https://sts.amazonaws.com".to_owned(),
    }
}

/// Cached credentials.
struct Cached {
    credential: Arc<AwsCredential>,
    expires: DateTime<Utc>,
    fetched: DateTime<Utc>,
}

/// Whether credentials that expire at `expires`, fetched at `fetched`, may
/// sign a request at `now`.
fn usable(expires: DateTime<Utc>, fetched: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    expires - now > MIN_TTL || (now - fetched < FETCH_BACKOFF && expires > now)
}

/// See the module doc.
pub(crate) struct AssumedRoleProvider {
    target: StsTarget,
    token: TokenSource,
    sts: reqwest::Client,
    metadata: reqwest::Client,
    cached: RwLock<Option<Cached>>,
    /// Held while fetching: one fetch at a time.
    refresh: tokio::sync::Mutex<()>,
}

impl AssumedRoleProvider {
    fn new(target: StsTarget, token: TokenSource, allow_http: bool) -> Self {
        let client = |b: reqwest::ClientBuilder| b.build().expect("a reqwest client with default TLS builds");
        Self {
            target,
            token,
            sts: client(
                reqwest::Client::builder()
                    .https_only(!allow_http)
                    .connect_timeout(Duration::from_secs(10))
                    .timeout(Duration::from_secs(30)),
            ),
            metadata: client(
                reqwest::Client::builder()
                    .no_proxy()
                    .connect_timeout(Duration::from_secs(5))
                    .timeout(Duration::from_secs(15)),
            ),
            cached: RwLock::new(None),
            refresh: tokio::sync::Mutex::new(()),
        }
    }

    fn cached(&self, now: DateTime<Utc>) -> Option<Arc<AwsCredential>> {
        let cached = self.cached.read().unwrap_or_else(|poisoned| poisoned.into_inner());
        cached.as_ref().filter(|c| usable(c.expires, c.fetched, now)).map(|c| c.credential.clone())
    }

    async fn credential(&self) -> Result<Arc<AwsCredential>, RoleError> {
        if let Some(c) = self.cached(Utc::now()) {
            return Ok(c);
        }
        let _one_fetch = self.refresh.lock().await;
        // Whoever held the lock before may have just refreshed.
        if let Some(c) = self.cached(Utc::now()) {
            return Ok(c);
        }
        let token = self.token.fetch(&self.target.store, &self.metadata).await?;
        let assumed = assume_role(&self.sts, &self.target, &token).await?;
        tracing::info!(
            store = %self.target.store,
            role = %self.target.role,
            session = %self.target.session_name,
            expires = %assumed.expires,
            "assumed role with a web identity token"
        );
        let credential = Arc::new(assumed.credential);
        let fresh = Cached { credential: credential.clone(), expires: assumed.expires, fetched: Utc::now() };
        *self.cached.write().unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(fresh);
        Ok(credential)
    }
}

impl std::fmt::Debug for AssumedRoleProvider {
    /// The target and the source; never the token or the credentials.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AssumedRoleProvider").field("target", &self.target).field("token", &self.token).finish()
    }
}

#[async_trait]
impl CredentialProvider for AssumedRoleProvider {
    type Credential = AwsCredential;

    async fn get_credential(&self) -> object_store::Result<Arc<AwsCredential>> {
        self.credential().await.map_err(|e| object_store::Error::Generic { store: "S3", source: Box::new(e) })
    }
}

#[cfg(test)]
mod fake_sts;
#[cfg(test)]
mod tests;
