//! Looker-compatible signed embed URLs: an application that embeds ponte
//! dashboards signs a one-time login URL with a shared secret, and ponte
//! verifies it before starting an embed session for that application's user.
//!
//! The scheme is Looker's signed embedding, byte for byte, so applications
//! (and Looker's own embed SDK) that sign URLs for Looker can sign them for
//! ponte. A URL looks like
//! `/login/embed/<encodeURIComponent(target)>?nonce=…&time=…&session_length=…&external_user_id=…&permissions=…&models=…[&group_ids=…][&external_group_id=…][&user_attributes=…]&access_filters=…&signature=…`,
//! every value being JSON text. The signature is `base64(HMAC(secret, …))`,
//! HMAC-SHA1 or HMAC-SHA256 per secret, over the host, the embed path and
//! the signed values' JSON texts, one per line (see [`string_to_sign`]).
//!
//! Verification ([`Verifier::verify`]) enforces Looker's rules: the
//! signature matches under one of the active secrets (compared in constant
//! time, over the JSON text as received), `time` is within
//! ±[`MAX_CLOCK_SKEW`] of now, the session lasts at most
//! [`MAX_SESSION_LENGTH`], each nonce and each URL works once, every model
//! is one the server serves, and the target is an `/embed/` page on this
//! server (no open redirects).
//!
//! ```
//! use ponte_embed::{Algorithm, EmbedParams, Secret, Verifier, sign_url};
//!
//! let secret = Secret::new("a long random shared secret", Algorithm::Sha256);
//! let now = 1_700_000_000;
//!
//! // The embedding application signs…
//! let mut params = EmbedParams::new("/embed/dashboards/1", "user-17", now);
//! params.models = vec!["thelook".into()];
//! params.permissions = vec!["access_data".into(), "see_user_dashboards".into()];
//! let url = sign_url("https://ponte.example.com", &params, &secret);
//! assert!(url.starts_with("https://ponte.example.com/login/embed/%2Fembed%2Fdashboards%2F1?nonce="));
//!
//! // …and ponte verifies the request target once.
//! let verifier = Verifier::new("ponte.example.com", vec![secret], ["thelook"])?;
//! let path_and_query = url.strip_prefix("https://ponte.example.com").unwrap();
//! let login = verifier.verify(path_and_query, now + 2)?;
//! assert_eq!(login.target, "/embed/dashboards/1");
//! assert_eq!(login.external_user_id, "user-17");
//! assert_eq!(verifier.verify(path_and_query, now + 3).unwrap_err().status(), 401);
//! # Ok::<(), ponte_embed::EmbedError>(())
//! ```

mod encode;
mod error;
mod params;
mod replay;
mod sign;
mod verify;

pub use error::{AlgorithmParseError, EmbedError};
pub use params::{Algorithm, DEFAULT_SESSION_LENGTH, EmbedLogin, EmbedParams, Secret};
pub use replay::{MemoryReplayStore, NONCE_MEMORY, ReplayStore, URL_MEMORY};
pub use sign::{new_nonce, sign_url, signature, split_host, string_to_sign};
pub use verify::{Verifier, attributes_as_text, check_target};

/// How far a URL's `time` may be from the verifier's clock, either way,
/// seconds (Looker's five minutes). It bounds how long a leaked URL is
/// usable and tolerates clock drift between signer and server.
pub const MAX_CLOCK_SKEW: i64 = 300;

/// The longest `session_length` accepted, seconds: 30 days, Looker's limit.
pub const MAX_SESSION_LENGTH: u64 = 30 * 24 * 3600;
