//! The web identity token: an ID token from Google's metadata server for
//! the configured audience, or the contents of a token file. Fetched anew
//! for every STS call, so a rotated file or an expired ID token never
//! lingers.

use std::path::PathBuf;

use ponte_config::WebIdentitySource;

use super::error::{RoleError, excerpt};

/// A web identity token. Its `Debug` hides it: it is a bearer credential.
pub(crate) struct IdentityToken(String);

impl IdentityToken {
    /// The token itself, for the one place that sends it.
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for IdentityToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("IdentityToken(..)")
    }
}

/// The environment variable Google's client libraries read for the
/// metadata server's `host[:port]`.
pub(crate) const METADATA_HOST_ENV: &str = "GCE_METADATA_HOST";
const METADATA_HOST: &str = "metadata.google.internal";

/// A token source with its environment resolved (when the store opened).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TokenSource {
    /// `GET {url}?audience=…&format=full` with `Metadata-Flavor: Google`.
    Metadata {
        /// The identity endpoint, without its query.
        url: String,
        /// The `aud` asked for.
        audience: String,
    },
    /// A file read on every fetch.
    File(PathBuf),
}

impl TokenSource {
    /// Resolves the configured source against the environment:
    /// `GCE_METADATA_HOST` and `AWS_WEB_IDENTITY_TOKEN_FILE`.
    pub(crate) fn resolve(
        store: &str,
        source: &WebIdentitySource,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, RoleError> {
        Ok(match source {
            WebIdentitySource::GoogleMetadata { audience } => {
                let host = env(METADATA_HOST_ENV).filter(|h| !h.is_empty()).unwrap_or_else(|| METADATA_HOST.into());
                TokenSource::Metadata {
                    url: format!("http://{host}/computeMetadata/v1/instance/service-accounts/default/identity"),
                    audience: audience.clone(),
                }
            }
            WebIdentitySource::TokenFile(path) => TokenSource::File(path.clone()),
            WebIdentitySource::TokenFileFromEnv => match env(WebIdentitySource::TOKEN_FILE_ENV) {
                Some(path) if !path.is_empty() => TokenSource::File(path.into()),
                _ => return Err(RoleError::NoTokenSource { store: store.to_owned() }),
            },
        })
    }

    /// A fresh token. `client` reaches the metadata server directly (no
    /// proxy: the server is link-local).
    pub(crate) async fn fetch(&self, store: &str, client: &reqwest::Client) -> Result<IdentityToken, RoleError> {
        let (text, from) = match self {
            TokenSource::Metadata { url, audience } => {
                let unreachable =
                    |source| RoleError::MetadataUnreachable { store: store.to_owned(), url: url.clone(), source };
                let response = client
                    .get(url)
                    .query(&[("audience", audience.as_str()), ("format", "full")])
                    .header("Metadata-Flavor", "Google")
                    .send()
                    .await
                    .map_err(unreachable)?;
                let status = response.status();
                let body = response.text().await.map_err(unreachable)?;
                if !status.is_success() {
                    return Err(RoleError::MetadataRefused {
                        store: store.to_owned(),
                        url: url.clone(),
                        status: status.as_u16(),
                        body: excerpt(&body),
                    });
                }
                (body, url.clone())
            }
            TokenSource::File(path) => {
                let text = tokio::fs::read_to_string(path).await.map_err(|source| RoleError::TokenFile {
                    store: store.to_owned(),
                    path: path.clone(),
                    source,
                })?;
                (text, path.display().to_string())
            }
        };
        let token = text.trim();
        if token.is_empty() {
            return Err(RoleError::EmptyToken { store: store.to_owned(), from });
        }
        Ok(IdentityToken(token.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(vars: &'a [(&str, &str)]) -> impl Fn(&str) -> Option<String> + 'a {
        |name| vars.iter().find(|(k, _)| *k == name).map(|(_, v)| (*v).to_owned())
    }

    #[test]
    fn the_metadata_host_defaults_to_googles_and_follows_gce_metadata_host() {
        let source = WebIdentitySource::GoogleMetadata { audience: "aud".into() };
        let url = |vars| match TokenSource::resolve("s", &source, env(vars)).unwrap() {
            TokenSource::Metadata { url, .. } => url,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            url(&[]),
            "http://metadata.google.internal/computeMetadata/v1/instance/service-accounts/default/identity"
        );
        assert_eq!(
            url(&[("GCE_METADATA_HOST", "127.0.0.1:8080")]),
            "http://127.0.0.1:8080/computeMetadata/v1/instance/service-accounts/default/identity"
        );
    }

    #[test]
    fn the_token_file_variable_is_read_when_the_config_names_no_source() {
        let got = TokenSource::resolve(
            "s",
            &WebIdentitySource::TokenFileFromEnv,
            env(&[("AWS_WEB_IDENTITY_TOKEN_FILE", "/var/run/token")]),
        );
        assert_eq!(got.unwrap(), TokenSource::File("/var/run/token".into()));
        let err = TokenSource::resolve("s", &WebIdentitySource::TokenFileFromEnv, env(&[])).unwrap_err();
        assert!(err.to_string().contains("set `web_identity_audience`"), "{err}");
    }

    #[tokio::test]
    async fn a_token_file_is_read_again_on_every_fetch_and_an_empty_one_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("token");
        let source = TokenSource::File(path.clone());
        let client = reqwest::Client::new();
        std::fs::write(&path, "first.jwt\n").unwrap();
        assert_eq!(source.fetch("s", &client).await.unwrap().expose(), "first.jwt");
        std::fs::write(&path, "second.jwt").unwrap();
        assert_eq!(source.fetch("s", &client).await.unwrap().expose(), "second.jwt");
        std::fs::write(&path, " \n").unwrap();
        let err = source.fetch("s", &client).await.unwrap_err().to_string();
        assert_eq!(err, format!("store `s`: the web identity token from {} is empty", path.display()));
        assert_eq!(format!("{:?}", IdentityToken("secret".into())), "IdentityToken(..)");
    }

    #[tokio::test]
    async fn a_metadata_server_that_is_not_there_is_named_with_what_to_fix() {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let source = TokenSource::resolve(
            "aws",
            &WebIdentitySource::GoogleMetadata { audience: "aud".into() },
            env(&[("GCE_METADATA_HOST", &format!("127.0.0.1:{port}"))]),
        )
        .unwrap();
        let err = source.fetch("aws", &reqwest::Client::new()).await.unwrap_err().to_string();
        assert!(
            err.starts_with(&format!(
                "store `aws`: cannot reach Google's metadata server at http://127.0.0.1:{port}/computeMetadata/v1/"
            )) && err.contains("not running on Google Cloud")
                && err.contains("GCE_METADATA_HOST is wrong"),
            "{err}"
        );
    }
}
