//! Why an assumed role's credentials could not be had: each error names the
//! store, the role or the server asked, and what to change. None holds a
//! token or a key.

use std::path::PathBuf;

/// A failure to get credentials for a store's `role_arn`.
#[derive(Debug, thiserror::Error)]
pub enum RoleError {
    /// Nothing says where the web identity token comes from.
    #[error(
        "store `{store}`: `role_arn` needs a web identity token: set `web_identity_audience` (an ID token from \
         Google's metadata server, on Google Cloud) or `web_identity_token_file`, or the environment variable \
         AWS_WEB_IDENTITY_TOKEN_FILE"
    )]
    NoTokenSource {
        /// The store.
        store: String,
    },
    /// The metadata server did not answer: ponte is not on Google Cloud,
    /// or `GCE_METADATA_HOST` points nowhere.
    #[error(
        "store `{store}`: cannot reach Google's metadata server at {url} for an ID token: ponte is not running on \
         Google Cloud (Cloud Run, GCE, GKE) or GCE_METADATA_HOST is wrong; elsewhere, set `web_identity_token_file`"
    )]
    MetadataUnreachable {
        /// The store.
        store: String,
        /// The identity URL asked (no token in it).
        url: String,
        /// reqwest's error.
        #[source]
        source: reqwest::Error,
    },
    /// The metadata server answered, but not with a token.
    #[error(
        "store `{store}`: Google's metadata server at {url} answered HTTP {status} instead of an ID token: {body}; \
         check that the instance has a service account"
    )]
    MetadataRefused {
        /// The store.
        store: String,
        /// The identity URL asked.
        url: String,
        /// The HTTP status.
        status: u16,
        /// The start of its answer.
        body: String,
    },
    /// The token file could not be read.
    #[error("store `{store}`: cannot read the web identity token file {}", path.display())]
    TokenFile {
        /// The store.
        store: String,
        /// The file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// A source gave an empty token.
    #[error("store `{store}`: the web identity token from {from} is empty")]
    EmptyToken {
        /// The store.
        store: String,
        /// The file or URL it came from.
        from: String,
    },
    /// STS could not be reached.
    #[error(
        "store `{store}`: cannot reach AWS STS at {url} to assume role {role}; check `sts_endpoint` and the network"
    )]
    StsUnreachable {
        /// The store.
        store: String,
        /// The STS endpoint.
        url: String,
        /// The role ARN.
        role: String,
        /// reqwest's error.
        #[source]
        source: reqwest::Error,
    },
    /// STS answered with one of its errors.
    #[error("store `{store}`: AWS STS refused to let ponte assume role {role}: {code}: {message}; {hint}")]
    StsRefused {
        /// The store.
        store: String,
        /// The role ARN.
        role: String,
        /// STS's error code, e.g. `InvalidIdentityToken`.
        code: String,
        /// STS's message.
        message: String,
        /// What to change, for the codes ponte knows.
        hint: &'static str,
    },
    /// STS answered something that is neither credentials nor an error.
    #[error("store `{store}`: AWS STS at {url} answered HTTP {status} without credentials for role {role}: {body}")]
    StsUnreadable {
        /// The store.
        store: String,
        /// The STS endpoint.
        url: String,
        /// The role ARN.
        role: String,
        /// The HTTP status.
        status: u16,
        /// The start of its answer.
        body: String,
    },
}

/// What to change for an STS error code (AssumeRoleWithWebIdentity's
/// documented errors, plus AccessDenied, which STS sends for a role that
/// does not exist or does not trust the token's issuer).
pub(crate) fn hint(code: &str) -> &'static str {
    match code {
        "InvalidIdentityToken" => {
            "the web identity token was refused: the role's trust policy must name the token's issuer \
             (Federated accounts.google.com for Google's metadata server) and the token must be a valid JWT"
        }
        "ExpiredTokenException" | "ExpiredToken" => {
            "the web identity token has expired: a token file must be kept fresh by whatever writes it; check the \
             clock of the machine"
        }
        "AccessDenied" => {
            "check that `role_arn` names an existing role and that its trust policy allows \
             sts:AssumeRoleWithWebIdentity for this identity: for Google's ID tokens, accounts.google.com:oaud equal \
             to `web_identity_audience`, accounts.google.com:aud and accounts.google.com:sub the service account's \
             unique id (README: Reading S3 without AWS keys)"
        }
        "IDPRejectedClaim" => "the token's claims do not satisfy the role's trust policy conditions",
        "IDPCommunicationError" => "STS could not reach the token's issuer to verify it; try again later",
        "RegionDisabledException" => {
            "STS is not activated in this region: activate it in IAM, or point `sts_endpoint` at another region"
        }
        "InvalidParameterValue" | "ValidationError" | "MalformedInput" => "check `role_arn` and `role_session_name`",
        _ => "see AWS STS's AssumeRoleWithWebIdentity reference for this code",
    }
}

/// At most 200 characters of a server's answer, for an error message.
pub(crate) fn excerpt(body: &str) -> String {
    let trimmed = body.trim();
    match trimmed.char_indices().nth(200) {
        Some((cut, _)) => format!("{}…", &trimmed[..cut]),
        None => trimmed.to_owned(),
    }
}
