//! `[semantic]` and `[server]`.

use std::net::SocketAddr;

use toml::Spanned;

use super::Checker;
use crate::model::{ApiClient, EmbedAlgorithm, EmbedSecret, GOOGLE_JWKS_URL, PushOidc, SemanticFiles, Server, Tls};
use crate::raw::{RawSemantic, RawServer};
use crate::store_url::resolve_path;

/// Where `ponte serve` listens unless told otherwise.
pub(crate) const DEFAULT_BIND: &str = "127.0.0.1:8080";

pub(super) fn semantic(raw: Option<&Spanned<RawSemantic>>, checker: &mut Checker<'_>) -> SemanticFiles {
    let Some(s) = raw else { return SemanticFiles::default() };
    let mut files = |list: &Option<Vec<Spanned<String>>>, what: &str| {
        let mut out = Vec::new();
        for p in list.iter().flatten() {
            let path = resolve_path(checker.base_dir, p.get_ref());
            if !path.is_file() {
                checker.error(p.span(), format!("{what} file {} does not exist", path.display()));
            }
            out.push(path);
        }
        out
    };
    let models = files(&s.get_ref().models, "model");
    let dashboards = files(&s.get_ref().dashboards, "dashboard");
    SemanticFiles { models, dashboards }
}

pub(super) fn server(raw: Option<&Spanned<RawServer>>, checker: &mut Checker<'_>) -> Option<Server> {
    let default_bind: SocketAddr = DEFAULT_BIND.parse().expect("default bind address parses");
    let Some(spanned) = raw else {
        return Some(Server {
            bind: default_bind,
            public_url: None,
            embed_domains: Vec::new(),
            embed_secrets: Vec::new(),
            api_clients: Vec::new(),
            push_token_env: None,
            push_oidc: None,
            admin_token_env: None,
            request_timeout: Server::DEFAULT_REQUEST_TIMEOUT,
            header_timeout: Server::DEFAULT_HEADER_TIMEOUT,
            max_body_bytes: Server::DEFAULT_MAX_BODY_BYTES,
            trust_forwarded_for: false,
            tls: None,
        });
    };
    let s = spanned.get_ref();
    let bind = match &s.bind {
        None => default_bind,
        Some(b) => match b.get_ref().parse() {
            Ok(a) => a,
            Err(_) => {
                checker.error(
                    b.span(),
                    format!(
                        "bad bind address `{}`; expected IP:port such as 127.0.0.1:8080 or 0.0.0.0:8080",
                        b.get_ref()
                    ),
                );
                default_bind
            }
        },
    };
    if let Some(u) = &s.public_url
        && !(u.get_ref().starts_with("http://") || u.get_ref().starts_with("https://"))
    {
        checker.error(u.span(), format!("public_url `{}` must start with http:// or https://", u.get_ref()));
    }
    let mut embed_domains = Vec::new();
    for d in s.embed_domains.iter().flatten() {
        if is_origin(d.get_ref()) {
            embed_domains.push(d.get_ref().trim_end_matches('/').to_owned());
        } else {
            checker.error(
                d.span(),
                format!("embed domain `{}` is not an origin; expected scheme://host[:port] such as https://portal.example.com", d.get_ref()),
            );
        }
    }
    let mut embed_secrets = Vec::new();
    for (i, e) in s.embed_secrets.iter().flatten().enumerate() {
        let place = format!("server.embed_secrets[{i}]");
        let env = checker.required(&e.get_ref().env, e.span(), "env", &place).and_then(|v| checker.env_name(v));
        let algorithm = match &e.get_ref().algorithm {
            None => Some(EmbedAlgorithm::default()),
            Some(a) => checker.choice(
                a,
                "algorithm",
                &[("hmac/sha-256", EmbedAlgorithm::Sha256), ("hmac/sha-1", EmbedAlgorithm::Sha1)],
            ),
        };
        if let (Some(env), Some(algorithm)) = (env, algorithm) {
            embed_secrets.push(EmbedSecret { env, algorithm });
        }
    }
    let mut api_clients = Vec::new();
    for (i, c) in s.api_clients.iter().flatten().enumerate() {
        let place = format!("server.api_clients[{i}]");
        let raw = c.get_ref();
        let id =
            checker.required(&raw.client_id_env, c.span(), "client_id_env", &place).and_then(|v| checker.env_name(v));
        let secret = checker
            .required(&raw.client_secret_env, c.span(), "client_secret_env", &place)
            .and_then(|v| checker.env_name(v));
        if let (Some(client_id_env), Some(client_secret_env)) = (id, secret) {
            api_clients.push(ApiClient {
                client_id_env,
                client_secret_env,
                user_attributes: raw
                    .user_attributes
                    .iter()
                    .flatten()
                    .map(|(k, v)| (k.clone(), v.get_ref().clone()))
                    .collect(),
            });
        }
    }
    let push_token_env = s.push_token_env.as_ref().and_then(|v| checker.env_name(v));
    let admin_token_env = s.admin_token_env.as_ref().and_then(|v| checker.env_name(v));
    let push_oidc = s.push_oidc_audience.as_ref().map(|aud| PushOidc {
        audience: aud.get_ref().clone(),
        email: s.push_oidc_email.as_ref().map(|e| e.get_ref().clone()),
        jwks_url: s.push_oidc_jwks_url.as_ref().map_or_else(|| GOOGLE_JWKS_URL.to_owned(), |u| u.get_ref().clone()),
    });
    for (key, value) in [("push_oidc_email", &s.push_oidc_email), ("push_oidc_jwks_url", &s.push_oidc_jwks_url)] {
        if let Some(v) = value
            && s.push_oidc_audience.is_none()
        {
            checker.error(v.span(), format!("server.{key} needs server.push_oidc_audience"));
        }
    }
    if let Some(u) = &s.push_oidc_jwks_url
        && !(u.get_ref().starts_with("https://") || u.get_ref().starts_with("http://"))
    {
        checker.error(u.span(), format!("push_oidc_jwks_url `{}` must start with https:// or http://", u.get_ref()));
    }
    let request_timeout = match &s.request_timeout {
        None => Server::DEFAULT_REQUEST_TIMEOUT,
        Some(t) => checker.duration(t).unwrap_or(Server::DEFAULT_REQUEST_TIMEOUT),
    };
    let header_timeout = match &s.header_timeout {
        None => Server::DEFAULT_HEADER_TIMEOUT,
        Some(t) => match checker.duration(t) {
            Some(d) if d.is_zero() => {
                checker.error(t.span(), "header_timeout must be more than 0s".to_owned());
                Server::DEFAULT_HEADER_TIMEOUT
            }
            Some(d) => d,
            None => Server::DEFAULT_HEADER_TIMEOUT,
        },
    };
    let max_body_bytes = match &s.max_body_bytes {
        None => Server::DEFAULT_MAX_BODY_BYTES,
        Some(b) if *b.get_ref() >= 1024 => *b.get_ref(),
        Some(b) => {
            checker.error(b.span(), format!("max_body_bytes {} is too small; give at least 1024", b.get_ref()));
            Server::DEFAULT_MAX_BODY_BYTES
        }
    };
    Some(Server {
        bind,
        public_url: s.public_url.as_ref().map(|u| u.get_ref().clone()),
        embed_domains,
        embed_secrets,
        api_clients,
        push_token_env,
        push_oidc,
        admin_token_env,
        request_timeout,
        max_body_bytes,
        header_timeout,
        trust_forwarded_for: s.trust_forwarded_for.as_ref().is_some_and(|t| *t.get_ref()),
        tls: tls(s, spanned.span(), checker),
    })
}

/// `tls_cert_file` and `tls_key_file`: both or neither, each a file that
/// exists (relative to the config's folder).
fn tls(s: &RawServer, span: std::ops::Range<usize>, checker: &mut Checker<'_>) -> Option<Tls> {
    let file = |value: &Option<Spanned<String>>, key: &str, checker: &mut Checker<'_>| {
        let v = value.as_ref()?;
        let path = resolve_path(checker.base_dir, v.get_ref());
        if !path.is_file() {
            checker.error(v.span(), format!("server.{key} `{}` is not a file", path.display()));
            return None;
        }
        Some(path)
    };
    let cert = file(&s.tls_cert_file, "tls_cert_file", checker);
    let key = file(&s.tls_key_file, "tls_key_file", checker);
    match (&s.tls_cert_file, &s.tls_key_file) {
        (Some(_), None) => checker.error(span, "server.tls_cert_file needs server.tls_key_file".to_owned()),
        (None, Some(_)) => checker.error(span, "server.tls_key_file needs server.tls_cert_file".to_owned()),
        _ => {}
    }
    Some(Tls { cert_file: cert?, key_file: key? })
}

/// `scheme://host[:port]` with nothing after it: no path, no wildcard, no
/// whitespace or control character (it goes into a CSP header).
fn is_origin(s: &str) -> bool {
    let s = s.trim_end_matches('/');
    let Some((scheme, rest)) = s.split_once("://") else { return false };
    matches!(scheme, "http" | "https")
        && !rest.is_empty()
        && rest.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
}

#[cfg(test)]
mod tests {
    use super::is_origin;

    #[test]
    fn origins_are_plain_scheme_host_port() {
        for good in ["https://portal.example.com", "http://localhost:8081", "http://127.0.0.1:8081/", "http://[::1]:80"]
        {
            assert!(is_origin(good), "{good}");
        }
        for bad in [
            "https://*",
            "https://*.example.com",
            "https://a.example.com\nfoo",
            "https://a.example.com/path",
            "https://user@a.example.com",
            "ftp://a.example.com",
            "https://",
            "https://a b",
        ] {
            assert!(!is_origin(bad), "{bad:?}");
        }
    }
}
