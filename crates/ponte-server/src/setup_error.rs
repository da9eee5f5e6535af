//! Why a server cannot start: each names the config key or file at fault,
//! never a secret's value.

use std::path::PathBuf;

/// Why the server's state could not be built from the config.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    /// A secret's environment variable is unset or empty: the server does
    /// not start with a secret it cannot check against.
    #[error("{what} is configured to come from ${env}, which is not set")]
    SecretUnset {
        /// What the secret is for, as the config calls it.
        what: &'static str,
        /// The variable's name.
        env: String,
    },
    /// Signed embedding needs at least one secret.
    #[error("no embed secret is configured (server.embed_secrets)")]
    NoEmbedSecret,
    /// The embed verifier refused its settings.
    #[error(transparent)]
    Embed(#[from] ponte_embed::EmbedError),
    /// A TLS file could not be read or holds nothing usable.
    #[error("{key} {}: {reason}", path.display())]
    TlsFile {
        /// `server.tls_cert_file` or `server.tls_key_file`.
        key: &'static str,
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// The certificate and key do not make a TLS configuration.
    #[error("server.tls_cert_file {} and server.tls_key_file {} do not make a certificate: {source}", cert.display(), key.display())]
    TlsPair {
        /// The certificate file.
        cert: PathBuf,
        /// The key file.
        key: PathBuf,
        /// rustls' reason.
        #[source]
        source: tokio_rustls::rustls::Error,
    },
}
