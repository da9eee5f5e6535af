//! The fixed secrets, host and clock of the `embed_verify` target, and the
//! URLs signed with them that its corpus starts from.

use ponte_embed::{Algorithm, EmbedLogin, EmbedParams, Secret, Verifier, sign_url};
use serde_json::json;

/// The host every URL is signed for.
pub const HOST: &str = "ponte.example.com";
/// The verifier's clock, and the `time` the originals were signed at.
pub const NOW: i64 = 1_700_000_000;
/// The models the verifier serves.
pub const MODELS: [&str; 2] = ["comerc", "thelook"];

/// The secrets the verifier accepts (one of each hash, as during rotation).
pub fn secrets() -> Vec<Secret> {
    vec![
        Secret::new("fuzz secret, never used anywhere else", Algorithm::Sha256),
        Secret::new("the older sha1 secret", Algorithm::Sha1),
    ]
}

/// A fresh verifier (nothing used yet).
pub fn verifier() -> Verifier {
    Verifier::new(HOST, secrets(), MODELS).expect("the fuzz secrets are usable")
}

/// The URLs the corpus starts from, signed with [`secrets`]: the only
/// request targets the verifier may accept, give or take unsigned
/// parameters and equivalent percent-encodings.
pub fn originals() -> Vec<String> {
    let mut all = Vec::new();
    let mut a = EmbedParams::new("/embed/dashboards/1", "user-17", NOW);
    a.nonce = "nonce-a".into();
    a.models = vec!["comerc".into()];
    a.permissions = vec!["access_data".into(), "see_user_dashboards".into()];
    all.push((a, 0));

    let mut b = EmbedParams::new("/embed/looks/2?Date=1%20years&x=é", "cliente 4", NOW - 250);
    b.nonce = "nonce b+/=%".into();
    b.models = vec!["comerc".into(), "thelook".into()];
    b.permissions = vec!["access_data".into(), "see_looks".into(), "download_without_limit".into()];
    b.group_ids = Some(vec![1, -2, 9_007_199_254_740_993]);
    b.external_group_id = Some("grupo & co".into());
    b.user_attributes = Some(
        json!({"id_cliente": ["4", 7], "locale": "pt_BR", "admin": false, "peso": 1.5})
            .as_object()
            .cloned()
            .unwrap_or_default(),
    );
    b.access_filters = json!({"comerc": {"faturas.id_cliente": 4}}).as_object().cloned().unwrap_or_default();
    b.session_length = 30 * 24 * 3600;
    b.first_name = Some("Ana".into());
    b.last_name = Some("Souza".into());
    b.user_timezone = Some("America/Sao_Paulo".into());
    b.force_logout_login = Some(true);
    all.push((b, 1));

    let mut c = EmbedParams::new("/embed/explore/comerc/faturas?fields=faturas.valor", "\"quoted\"\n", NOW + 299);
    c.nonce = "n".repeat(255);
    c.models = vec![];
    all.push((c, 0));

    all.into_iter()
        .map(|(params, secret)| {
            let url = sign_url(HOST, &params, &secrets()[secret]);
            url.strip_prefix(&format!("https://{HOST}")).expect("signed for HOST").to_owned()
        })
        .collect()
}

/// What a login grants, without the unsigned fields anyone holding the URL
/// may change.
pub fn signed_part(login: &EmbedLogin) -> EmbedLogin {
    EmbedLogin { first_name: None, last_name: None, user_timezone: None, force_logout_login: None, ..login.clone() }
}

/// The encoded target as it appears in a request target (what the
/// signature covers byte for byte).
pub fn encoded_target(path_and_query: &str) -> &str {
    path_and_query.split('?').next().unwrap_or(path_and_query)
}
