//! `GET /api/4.0/user` (Looker's `me()`): the API client as a Looker user,
//! which apps read to greet the caller or to find its id. ponte has no
//! users of its own: the client is the user, with its id as the user's id
//! and its API3 credentials listed, and its user attributes (what access
//! filters read) kept where Looker keeps them, behind the user attribute
//! routes ponte does not serve.

use axum::Json;
use serde_json::{Value, json};

use super::Authenticated;

/// `GET /api/4.0/user`
pub(super) async fn me(auth: Authenticated) -> Json<Value> {
    let client_id = &auth.session.client_id;
    let locale = auth.api.semantic.models().first().map(|m| m.locale.clone());
    Json(json!({
        "id": client_id,
        "first_name": client_id,
        "last_name": "",
        "display_name": client_id,
        "email": Value::Null,
        "is_disabled": false,
        "locale": locale,
        "role_ids": [],
        "group_ids": [],
        "is_service_account": true,
        "credentials_api3": [{
            "id": client_id,
            "client_id": client_id,
            "type": "api3",
            "is_disabled": false,
            "can": {},
        }],
        "credentials_embed": [],
        "can": { "show": true, "index": true, "show_details": true },
        "url": "/api/4.0/user",
    }))
}
