//! `[stores.*]` and `[warehouse]`.

use std::collections::BTreeMap;
use std::sync::Arc;

use toml::Spanned;

use super::Checker;
use crate::model::{BigQueryConfig, EmbeddedConfig, Project, RetryOptions, Store, StoreOptions, Warehouse};
use crate::raw::{RawRetry, RawStore, RawWarehouse};
use crate::store_url::{StoreUrl, resolve_path};

pub(super) fn stores(
    raw: &BTreeMap<String, Spanned<RawStore>>,
    checker: &mut Checker<'_>,
) -> BTreeMap<String, Arc<Store>> {
    let mut out = BTreeMap::new();
    for (name, spanned) in raw {
        let span = spanned.span();
        let place = format!("store `{name}`");
        let ok_name = name.starts_with(|c: char| c.is_ascii_alphabetic())
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if !ok_name {
            checker.error(
                span.clone(),
                format!("bad store name `{name}`: expected a letter followed by letters, digits, `_` or `-`"),
            );
        }
        let s = spanned.get_ref();
        let Some(url_value) = checker.required(&s.url, span, "url", &place) else { continue };
        let url = match StoreUrl::parse(url_value.get_ref(), checker.base_dir) {
            Ok(u) => u,
            Err(e) => {
                checker.error(url_value.span(), e.to_string());
                continue;
            }
        };
        let options = options(s, &url, checker);
        out.insert(name.clone(), Arc::new(Store { name: name.clone(), url, options }));
    }
    out
}

fn options(s: &RawStore, url: &StoreUrl, checker: &mut Checker<'_>) -> StoreOptions {
    let scheme = url.scheme();
    let only = |checker: &mut Checker<'_>, present: Option<std::ops::Range<usize>>, key: &str, schemes: &[&str]| {
        if let Some(span) = present
            && !schemes.contains(&scheme)
        {
            let list: Vec<String> = schemes.iter().map(|s| format!("{s}://")).collect();
            checker.error(span, format!("`{key}` applies only to {} stores, not {scheme}://", list.join(" and ")));
        }
    };
    let cloud = &["s3", "gs"][..];
    only(checker, s.endpoint.as_ref().map(Spanned::span), "endpoint", cloud);
    only(checker, s.allow_http.as_ref().map(Spanned::span), "allow_http", cloud);
    only(checker, s.retry.as_ref().map(Spanned::span), "retry", cloud);
    only(checker, s.region.as_ref().map(Spanned::span), "region", &["s3"]);
    only(checker, s.virtual_hosted_style.as_ref().map(Spanned::span), "virtual_hosted_style", &["s3"]);
    only(checker, s.access_key_id_env.as_ref().map(Spanned::span), "access_key_id_env", &["s3"]);
    only(checker, s.secret_access_key_env.as_ref().map(Spanned::span), "secret_access_key_env", &["s3"]);
    only(checker, s.session_token_env.as_ref().map(Spanned::span), "session_token_env", &["s3"]);
    only(checker, s.service_account_path_env.as_ref().map(Spanned::span), "service_account_path_env", &["gs"]);
    only(checker, s.service_account_key_env.as_ref().map(Spanned::span), "service_account_key_env", &["gs"]);
    for (key, value) in [
        ("role_arn", &s.role_arn),
        ("role_session_name", &s.role_session_name),
        ("web_identity_audience", &s.web_identity_audience),
        ("web_identity_token_file", &s.web_identity_token_file),
        ("sts_endpoint", &s.sts_endpoint),
    ] {
        only(checker, value.as_ref().map(Spanned::span), key, &["s3"]);
    }
    let role = if scheme == "s3" { super::role::role(s, checker).map(Box::new) } else { None };

    if s.access_key_id_env.is_some() != s.secret_access_key_env.is_some() {
        let span =
            s.access_key_id_env.as_ref().or(s.secret_access_key_env.as_ref()).map(Spanned::span).unwrap_or_default();
        checker.error(span, "`access_key_id_env` and `secret_access_key_env` go together: set both or neither");
    }
    if let Some(endpoint) = &s.endpoint {
        let e = endpoint.get_ref();
        if !(e.starts_with("http://") || e.starts_with("https://")) {
            checker.error(endpoint.span(), format!("endpoint `{e}` must start with http:// or https://"));
        } else if e.starts_with("http://") && !s.allow_http.as_ref().is_some_and(|v| *v.get_ref()) {
            checker.error(
                endpoint.span(),
                format!("endpoint `{e}` is plain http; set `allow_http = true` to allow it (local servers only)"),
            );
        }
    }
    let mut env = |v: &Option<Spanned<String>>| v.as_ref().and_then(|n| checker.env_name(n));
    let access_key_id_env = env(&s.access_key_id_env);
    let secret_access_key_env = env(&s.secret_access_key_env);
    let session_token_env = env(&s.session_token_env);
    let service_account_path_env = env(&s.service_account_path_env);
    let service_account_key_env = env(&s.service_account_key_env);
    StoreOptions {
        endpoint: s.endpoint.as_ref().map(|e| e.get_ref().clone()),
        region: s.region.as_ref().map(|e| e.get_ref().clone()),
        allow_http: s.allow_http.as_ref().is_some_and(|v| *v.get_ref()),
        virtual_hosted_style: s.virtual_hosted_style.as_ref().is_some_and(|v| *v.get_ref()),
        access_key_id_env,
        secret_access_key_env,
        session_token_env,
        service_account_path_env,
        service_account_key_env,
        role,
        retry: s.retry.as_ref().map(|r| retry(r.get_ref(), checker)).unwrap_or_default(),
    }
}

fn retry(r: &RawRetry, checker: &mut Checker<'_>) -> RetryOptions {
    let mut out = RetryOptions::default();
    if let Some(n) = &r.max_retries {
        match usize::try_from(*n.get_ref()) {
            Ok(v) if v <= 100 => out.max_retries = v,
            _ => checker.error(n.span(), format!("max_retries {} is out of range 0-100", n.get_ref())),
        }
    }
    for (value, slot) in [
        (&r.retry_timeout, &mut out.retry_timeout),
        (&r.init_backoff, &mut out.init_backoff),
        (&r.max_backoff, &mut out.max_backoff),
    ] {
        if let Some(v) = value
            && let Some(d) = checker.duration(v)
        {
            *slot = d;
        }
    }
    out
}

/// The largest `result_cache_bytes`: 16 GiB. More is a typo, not a plan.
const MAX_RESULT_CACHE_BYTES: u64 = 16 * 1024 * 1024 * 1024;
/// `sort_memory_bytes` between 8 MiB (below that the sort's own buffers
/// do not fit) and 64 GiB.
const SORT_MEMORY_BYTES: std::ops::RangeInclusive<u64> = (8 << 20)..=(64 << 30);

pub(super) fn warehouse(
    raw: Option<&Spanned<RawWarehouse>>,
    project: &Project,
    stores: &BTreeMap<String, Arc<Store>>,
    checker: &mut Checker<'_>,
) -> Option<Warehouse> {
    let default_location = || StoreUrl::File { path: project.state_dir.join("warehouse") };
    let Some(spanned) = raw else {
        return Some(Warehouse::Embedded(EmbeddedConfig {
            location: default_location(),
            options: StoreOptions::default(),
            snapshots_to_keep: 1,
            result_cache_bytes: EmbeddedConfig::DEFAULT_RESULT_CACHE_BYTES,
            sort_memory_bytes: EmbeddedConfig::DEFAULT_SORT_MEMORY_BYTES,
        }));
    };
    let w = spanned.get_ref();
    let kind = w.kind.as_ref().map_or("embedded", |k| k.get_ref().as_str());
    let not_for = |checker: &mut Checker<'_>, v: Option<std::ops::Range<usize>>, key: &str| {
        if let Some(span) = v {
            checker.error(span, format!("`{key}` does not apply to a warehouse of kind \"{kind}\""));
        }
    };
    match kind {
        "embedded" => {
            not_for(checker, w.project.as_ref().map(Spanned::span), "project");
            not_for(checker, w.dataset.as_ref().map(Spanned::span), "dataset");
            not_for(checker, w.location.as_ref().map(Spanned::span), "location");
            not_for(checker, w.credentials_env.as_ref().map(Spanned::span), "credentials_env");
            not_for(checker, w.access_token_env.as_ref().map(Spanned::span), "access_token_env");
            not_for(checker, w.endpoint.as_ref().map(Spanned::span), "endpoint");
            let (location, options) = if w.store.is_some() {
                // A named store: its URL and options, `path` a folder in it.
                let store =
                    super::transfers::store_ref(w.store.as_ref(), spanned.span(), "[warehouse]", stores, checker)?;
                let path = w.path.as_ref().map_or("", |p| p.get_ref().as_str());
                if let Some(p) = w.path.as_ref().filter(|p| p.get_ref().contains("://") || p.get_ref().starts_with('/'))
                {
                    checker.error(
                        p.span(),
                        format!(
                            "with `store`, `path` is a folder inside that store, not `{}`; write it relative, as `warehouse`",
                            p.get_ref()
                        ),
                    );
                    return None;
                }
                (store.url.join(path), store.options.clone())
            } else {
                let location = match &w.path {
                    None => default_location(),
                    Some(p) if p.get_ref().contains("://") => match StoreUrl::parse(p.get_ref(), checker.base_dir) {
                        Ok(u) => u,
                        Err(e) => {
                            checker.error(p.span(), e.to_string());
                            return None;
                        }
                    },
                    Some(p) => StoreUrl::File { path: resolve_path(checker.base_dir, p.get_ref()) },
                };
                (location, StoreOptions::default())
            };
            let snapshots_to_keep = match &w.snapshots_to_keep {
                None => 1,
                Some(n) => match usize::try_from(*n.get_ref()) {
                    Ok(v) if v <= 100 => v,
                    _ => {
                        checker.error(n.span(), format!("snapshots_to_keep {} is out of range 0-100", n.get_ref()));
                        1
                    }
                },
            };
            let result_cache_bytes = match &w.result_cache_bytes {
                None => EmbeddedConfig::DEFAULT_RESULT_CACHE_BYTES,
                Some(n) => match u64::try_from(*n.get_ref()) {
                    Ok(v) if v <= MAX_RESULT_CACHE_BYTES => v,
                    _ => {
                        checker.error(
                            n.span(),
                            format!(
                                "result_cache_bytes {} is out of range 0-{MAX_RESULT_CACHE_BYTES} (0 turns the cache off)",
                                n.get_ref()
                            ),
                        );
                        EmbeddedConfig::DEFAULT_RESULT_CACHE_BYTES
                    }
                },
            };
            let sort_memory_bytes = match &w.sort_memory_bytes {
                None => EmbeddedConfig::DEFAULT_SORT_MEMORY_BYTES,
                Some(n) => match u64::try_from(*n.get_ref()) {
                    Ok(v) if SORT_MEMORY_BYTES.contains(&v) => v,
                    _ => {
                        checker.error(
                            n.span(),
                            format!(
                                "sort_memory_bytes {} is out of range {}-{} (8 MiB to 64 GiB)",
                                n.get_ref(),
                                SORT_MEMORY_BYTES.start(),
                                SORT_MEMORY_BYTES.end()
                            ),
                        );
                        EmbeddedConfig::DEFAULT_SORT_MEMORY_BYTES
                    }
                },
            };
            Some(Warehouse::Embedded(EmbeddedConfig {
                location,
                options,
                snapshots_to_keep,
                result_cache_bytes,
                sort_memory_bytes,
            }))
        }
        "bigquery" => {
            not_for(checker, w.path.as_ref().map(Spanned::span), "path");
            not_for(checker, w.store.as_ref().map(Spanned::span), "store");
            not_for(checker, w.snapshots_to_keep.as_ref().map(Spanned::span), "snapshots_to_keep");
            not_for(checker, w.result_cache_bytes.as_ref().map(Spanned::span), "result_cache_bytes");
            not_for(checker, w.sort_memory_bytes.as_ref().map(Spanned::span), "sort_memory_bytes");
            let project_id = checker.required(&w.project, spanned.span(), "project", "warehouse of kind \"bigquery\"");
            let dataset = checker.required(&w.dataset, spanned.span(), "dataset", "warehouse of kind \"bigquery\"");
            if let Some(p) = project_id {
                let v = p.get_ref();
                let ok = (6..=30).contains(&v.len())
                    && v.starts_with(|c: char| c.is_ascii_lowercase())
                    && v.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
                if !ok {
                    checker.error(p.span(), format!("bad GCP project id `{v}`: 6-30 lowercase letters, digits or hyphens, starting with a letter"));
                }
            }
            if let Some(d) = dataset {
                let v = d.get_ref();
                if v.is_empty() || v.len() > 1024 || !v.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                    checker.error(
                        d.span(),
                        format!("bad dataset name `{v}`: letters, digits and underscores, at most 1024"),
                    );
                }
            }
            let credentials_env = w.credentials_env.as_ref().and_then(|c| checker.env_name(c));
            let access_token_env = w.access_token_env.as_ref().and_then(|c| checker.env_name(c));
            if let (Some(_), Some(token)) = (&w.credentials_env, &w.access_token_env) {
                checker.error(token.span(), "set `credentials_env` or `access_token_env`, not both");
            }
            let endpoint = w.endpoint.as_ref().and_then(|e| {
                let v = e.get_ref().trim_end_matches('/');
                let ok = (v.starts_with("https://") || v.starts_with("http://")) && v.len() > "https://".len();
                if !ok {
                    checker.error(
                        e.span(),
                        format!("bad endpoint `{v}`: an http(s) URL such as https://bigquery.googleapis.com"),
                    );
                }
                ok.then(|| v.to_owned())
            });
            Some(Warehouse::BigQuery(BigQueryConfig {
                project: project_id?.get_ref().clone(),
                dataset: dataset?.get_ref().clone(),
                location: w.location.as_ref().map(|l| l.get_ref().clone()),
                credentials_env,
                access_token_env,
                endpoint,
            }))
        }
        other => {
            let span = w.kind.as_ref().map(Spanned::span).unwrap_or_default();
            checker.error(span, format!("unknown warehouse kind \"{other}\"; expected \"embedded\" or \"bigquery\""));
            None
        }
    }
}
