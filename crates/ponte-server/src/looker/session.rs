//! API login: client credentials exchanged for short-lived access tokens,
//! as Looker's `POST /api/4.0/login` does.
//!
//! Tokens are stateless: `<client>.<expiry>.<nonce>.<mac>`, where the MAC
//! is HMAC-SHA256 keyed by the client's secret over the rest. Any instance
//! with the same config accepts a token another instance issued (Cloud Run
//! runs several), nothing is written per login, and rotating a client's
//! secret ends its tokens at once. Logout is the one fact about a token
//! that must be written down: the caller ([`super::LookerApi`]) keeps it in
//! the state database, by the MAC's bytes, until the token would have
//! expired anyway.

use std::collections::BTreeMap;

use axum::http::HeaderMap;
use hmac::{Hmac, Mac};
use ponte_config::ApiClient;
use ponte_semantic::compile::Caller;
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::SetupError;
use crate::auth::{bearer, secret_from_env};
use crate::error::ApiError;

/// How long an access token lasts (Looker's default: one hour).
pub const TOKEN_LIFETIME_SECS: i64 = 3600;

/// Domain separation for the token MAC.
const TOKEN_CONTEXT: &[u8] = b"ponte api access token v1\n";

/// One configured API client with its secrets read from the environment.
struct Client {
    id: String,
    secret: String,
    user_attributes: BTreeMap<String, String>,
}

/// The API clients, and the checks of the tokens they were issued.
pub struct Sessions {
    clients: Vec<Client>,
}

impl std::fmt::Debug for Sessions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Sessions({} client(s))", self.clients.len())
    }
}

/// An authenticated API caller.
#[derive(Debug, Clone)]
pub struct ApiSession {
    /// What access filters read.
    pub caller: Caller,
    /// The client's id: what it saved and what it signed are its own.
    pub client_id: String,
    /// The token's MAC as bytes: one canonical form however the token's
    /// text spells its hex digits, so logout cannot be dodged by changing
    /// their case.
    pub(crate) token_mac: Vec<u8>,
    /// When the token expires (seconds since the epoch).
    pub(crate) expires: i64,
}

/// What a successful login returns, in Looker's `AccessToken` shape.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AccessToken {
    /// The token to send as `Authorization: token <access_token>`.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds until it expires.
    pub expires_in: i64,
}

impl Sessions {
    /// Reads every client's id and secret from the environment variables the
    /// config names. An unset or empty variable is an error: a server that
    /// cannot check a client's secret does not start.
    pub fn from_config(clients: &[ApiClient]) -> Result<Self, SetupError> {
        let clients = clients
            .iter()
            .map(|c| {
                Ok(Client {
                    id: secret_from_env(&c.client_id_env, "an API client's id (server.api_clients)")?,
                    secret: secret_from_env(&c.client_secret_env, "an API client's secret (server.api_clients)")?,
                    user_attributes: c.user_attributes.clone(),
                })
            })
            .collect::<Result<_, SetupError>>()?;
        Ok(Self { clients })
    }

    /// Clients given directly (tests): `(id, secret, attributes)`.
    pub fn new(clients: Vec<(String, String, BTreeMap<String, String>)>) -> Self {
        let clients =
            clients.into_iter().map(|(id, secret, user_attributes)| Client { id, secret, user_attributes }).collect();
        Self { clients }
    }

    /// Exchanges credentials for a token. Every client is compared, in
    /// constant time, so the answer's timing does not tell which part of a
    /// guess was right; a wrong pair is Looker's 404.
    pub fn login(&self, client_id: &str, client_secret: &str, now: i64) -> Result<AccessToken, ApiError> {
        let mut found = None;
        for (n, c) in self.clients.iter().enumerate() {
            let id_ok = c.id.as_bytes().ct_eq(client_id.as_bytes());
            let secret_ok = c.secret.as_bytes().ct_eq(client_secret.as_bytes());
            if bool::from(id_ok & secret_ok) {
                found = Some(n);
            }
        }
        let Some(n) = found else {
            return Err(ApiError::not_found("no API client has that client_id and client_secret"));
        };
        let mut nonce = [0u8; 16];
        getrandom::fill(&mut nonce).map_err(|_| ApiError::unavailable("no randomness available; try again"))?;
        let expires = now + TOKEN_LIFETIME_SECS;
        let payload = format!("{n}.{expires}.{}", hex::encode(nonce));
        let mac = self.mac(&self.clients[n], &payload);
        Ok(AccessToken {
            access_token: format!("{payload}.{}", hex::encode(mac)),
            token_type: "Bearer",
            expires_in: TOKEN_LIFETIME_SECS,
        })
    }

    /// The session of the `Authorization: token X` (or `Bearer X`) header,
    /// if its token is one of ours and has not expired. Whether it was
    /// logged out is the caller's to check ([`super::LookerApi::authenticate`]).
    pub fn authenticate(&self, headers: &HeaderMap, now: i64) -> Result<ApiSession, ApiError> {
        let token = bearer(headers).ok_or_else(|| {
            ApiError::unauthorized(
                "Requires authentication: log in at /api/4.0/login and send `Authorization: token <access_token>`",
            )
        })?;
        let invalid = || ApiError::unauthorized("the access token is not valid or has expired; log in again");
        let mut parts = token.split('.');
        let (Some(n), Some(expires), Some(nonce), Some(mac), None) =
            (parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(invalid());
        };
        let client = n.parse::<usize>().ok().and_then(|n| self.clients.get(n)).ok_or_else(invalid)?;
        let expires: i64 = expires.parse().map_err(|_| invalid())?;
        let given = hex::decode(mac).map_err(|_| invalid())?;
        let expected = self.mac(client, &format!("{n}.{expires}.{nonce}"));
        if !bool::from(expected.as_slice().ct_eq(&given)) || expires <= now {
            return Err(invalid());
        }
        Ok(ApiSession {
            caller: Caller { user_attributes: client.user_attributes.clone() },
            client_id: client.id.clone(),
            token_mac: given,
            expires,
        })
    }

    fn mac(&self, client: &Client, payload: &str) -> Vec<u8> {
        let mut mac = Hmac::<Sha256>::new_from_slice(client.secret.as_bytes()).expect("HMAC takes any key length");
        mac.update(TOKEN_CONTEXT);
        mac.update(client.id.as_bytes());
        mac.update(b"\n");
        mac.update(payload.as_bytes());
        mac.finalize().into_bytes().to_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sessions() -> Sessions {
        let attrs = BTreeMap::from([("id_cliente".to_owned(), "7".to_owned())]);
        Sessions::new(vec![("a".into(), "secret-a".into(), attrs), ("b".into(), "secret-b".into(), BTreeMap::new())])
    }

    fn header(token: &str, scheme: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("authorization", format!("{scheme} {token}").parse().unwrap());
        h
    }

    #[test]
    fn a_token_carries_its_clients_attributes_until_it_expires() {
        let s = sessions();
        let t = s.login("a", "secret-a", 1000).unwrap();
        assert_eq!(t.expires_in, TOKEN_LIFETIME_SECS);
        for scheme in ["token", "Bearer"] {
            let session = s.authenticate(&header(&t.access_token, scheme), 1000).unwrap();
            assert_eq!(session.caller.user_attributes["id_cliente"], "7");
        }
        let late = 1000 + TOKEN_LIFETIME_SECS;
        assert_eq!(s.authenticate(&header(&t.access_token, "token"), late).unwrap_err().status, 401);
    }

    #[test]
    fn wrong_credentials_and_forged_tokens_are_refused() {
        let s = sessions();
        assert_eq!(s.login("a", "secret-b", 0).unwrap_err().status, 404);
        assert_eq!(s.login("", "", 0).unwrap_err().status, 404);
        let t = s.login("b", "secret-b", 0).unwrap().access_token;
        // Claiming client 0 (with attributes) with client 1's MAC fails.
        let forged = format!("0{}", &t[1..]);
        assert_eq!(s.authenticate(&header(&forged, "token"), 1).unwrap_err().status, 401);
        // So does a later expiry.
        let mut parts: Vec<&str> = t.split('.').collect();
        let later = (parts[1].parse::<i64>().unwrap() + 10_000).to_string();
        parts[1] = &later;
        assert_eq!(s.authenticate(&header(&parts.join("."), "token"), 1).unwrap_err().status, 401);
        assert_eq!(s.authenticate(&HeaderMap::new(), 1).unwrap_err().status, 401);
        assert_eq!(s.authenticate(&header("x.y", "token"), 1).unwrap_err().status, 401);
    }

    #[test]
    fn the_mac_is_read_as_bytes_whatever_the_case_of_its_hex() {
        let s = sessions();
        let token = s.login("a", "secret-a", 0).unwrap().access_token;
        let (payload, mac) = token.rsplit_once('.').unwrap();
        let upper = format!("{payload}.{}", mac.to_ascii_uppercase());
        let lower = s.authenticate(&header(&token, "token"), 1).unwrap();
        let shouting = s.authenticate(&header(&upper, "token"), 1).unwrap();
        assert_eq!(lower.token_mac, shouting.token_mac, "one token, one name for logout");
        assert_eq!(lower.client_id, "a");
    }
}
