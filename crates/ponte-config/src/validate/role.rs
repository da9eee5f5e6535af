//! A `s3://` store's role federation keys: `role_arn` and the keys that
//! only mean something with it.

use toml::Spanned;

use super::Checker;
use crate::aws_role::{RoleArn, RoleFederation, SessionName, WebIdentitySource};
use crate::raw::RawStore;
use crate::store_url::resolve_path;

/// The keys that configure the assumed role, besides `role_arn` itself.
fn role_keys(s: &RawStore) -> [(&'static str, Option<&Spanned<String>>); 4] {
    [
        ("role_session_name", s.role_session_name.as_ref()),
        ("web_identity_audience", s.web_identity_audience.as_ref()),
        ("web_identity_token_file", s.web_identity_token_file.as_ref()),
        ("sts_endpoint", s.sts_endpoint.as_ref()),
    ]
}

/// The store's [`RoleFederation`], when `role_arn` is set and every key
/// around it is sound; each problem is reported where it is.
pub(super) fn role(s: &RawStore, checker: &mut Checker<'_>) -> Option<RoleFederation> {
    let Some(arn) = &s.role_arn else {
        for (key, value) in role_keys(s) {
            if let Some(v) = value {
                checker.error(v.span(), format!("`{key}` goes with `role_arn`, which is not set"));
            }
        }
        return None;
    };
    for (key, value) in [
        ("access_key_id_env", &s.access_key_id_env),
        ("secret_access_key_env", &s.secret_access_key_env),
        ("session_token_env", &s.session_token_env),
    ] {
        if let Some(v) = value {
            checker.error(
                v.span(),
                format!("`{key}` cannot be used with `role_arn`: the assumed role's temporary credentials come from AWS STS; remove `{key}`"),
            );
        }
    }
    let role_arn = RoleArn::parse(arn.get_ref()).map_err(|e| checker.error(arn.span(), e.to_string())).ok();
    let session_name = match &s.role_session_name {
        None => Some(SessionName::default()),
        Some(n) => SessionName::parse(n.get_ref()).map_err(|e| checker.error(n.span(), e)).ok(),
    };
    let token = token_source(s, checker);
    let sts_endpoint = s.sts_endpoint.as_ref().and_then(|e| sts_endpoint(e, s, checker));
    if s.sts_endpoint.is_some() && sts_endpoint.is_none() {
        return None;
    }
    Some(RoleFederation { role_arn: role_arn?, session_name: session_name?, token: token?, sts_endpoint })
}

/// One token source: the metadata server for an audience, a file, or (with
/// neither key) `$AWS_WEB_IDENTITY_TOKEN_FILE` when the store opens.
fn token_source(s: &RawStore, checker: &mut Checker<'_>) -> Option<WebIdentitySource> {
    match (&s.web_identity_audience, &s.web_identity_token_file) {
        (Some(_), Some(file)) => {
            checker.error(
                file.span(),
                "set one web identity token source: `web_identity_audience` (an ID token from Google's metadata server) or `web_identity_token_file`, not both",
            );
            None
        }
        (Some(aud), None) if aud.get_ref().trim().is_empty() => {
            checker.error(
                aud.span(),
                "`web_identity_audience` is empty; give the audience the role's trust policy expects",
            );
            None
        }
        (Some(aud), None) => Some(WebIdentitySource::GoogleMetadata { audience: aud.get_ref().clone() }),
        (None, Some(file)) if file.get_ref().trim().is_empty() => {
            checker.error(file.span(), "`web_identity_token_file` is empty; give the path of the token file");
            None
        }
        (None, Some(file)) => Some(WebIdentitySource::TokenFile(resolve_path(checker.base_dir, file.get_ref()))),
        (None, None) => Some(WebIdentitySource::TokenFileFromEnv),
    }
}

fn sts_endpoint(e: &Spanned<String>, s: &RawStore, checker: &mut Checker<'_>) -> Option<String> {
    let v = e.get_ref().trim_end_matches('/');
    let host = v.strip_prefix("https://").or_else(|| v.strip_prefix("http://"));
    if host.is_none_or(str::is_empty) {
        checker.error(
            e.span(),
            format!("bad sts_endpoint `{v}`: an http(s) URL such as https://sts.us-east-1.amazonaws.com"),
        );
        return None;
    }
    if v.starts_with("http://") && !s.allow_http.as_ref().is_some_and(|a| *a.get_ref()) {
        checker.error(
            e.span(),
            format!("sts_endpoint `{v}` is plain http; set `allow_http = true` to allow it (local servers only)"),
        );
        return None;
    }
    Some(v.to_owned())
}
