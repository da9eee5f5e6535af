//! AWS STS `AssumeRoleWithWebIdentity`: the request, sent as a form body
//! (the shape AWS's Query API documents and every STS, moto's included,
//! routes), and its XML answer, credentials or `<ErrorResponse>`.
//!
//! The call is unsigned: the web identity token is the proof of identity.

use chrono::{DateTime, Utc};
use object_store::aws::AwsCredential;
use serde::Deserialize;

use super::error::{RoleError, excerpt, hint};
use super::token::IdentityToken;

/// The credentials' lifetime asked for: an hour, STS's default and the
/// most every role allows without raising its maximum session duration.
const DURATION_SECONDS: &str = "3600";

/// Where and as whom ponte asks STS, for one store.
#[derive(Debug, Clone)]
pub(crate) struct StsTarget {
    /// The store, for messages.
    pub store: String,
    /// The STS endpoint URL.
    pub url: String,
    /// The role ARN.
    pub role: String,
    /// The `RoleSessionName`.
    pub session_name: String,
}

/// Temporary credentials and when they stop working.
pub(crate) struct Assumed {
    /// Key id (`ASIA…`), secret and session token.
    pub credential: AwsCredential,
    /// STS's `Expiration`.
    pub expires: DateTime<Utc>,
}

/// Trades `token` for the role's temporary credentials.
pub(crate) async fn assume_role(
    client: &reqwest::Client,
    target: &StsTarget,
    token: &IdentityToken,
) -> Result<Assumed, RoleError> {
    let form = [
        ("Action", "AssumeRoleWithWebIdentity"),
        ("Version", "2011-06-15"),
        ("RoleArn", target.role.as_str()),
        ("RoleSessionName", target.session_name.as_str()),
        ("WebIdentityToken", token.expose()),
        ("DurationSeconds", DURATION_SECONDS),
    ];
    let unreachable = |source| RoleError::StsUnreachable {
        store: target.store.clone(),
        url: target.url.clone(),
        role: target.role.clone(),
        source,
    };
    let response = client.post(&target.url).form(&form).send().await.map_err(unreachable)?;
    let status = response.status().as_u16();
    let body = response.text().await.map_err(unreachable)?;
    read_answer(target, status, &body)
}

/// Credentials from a 200 answer; STS's error from any other; a clear
/// error for anything else.
pub(crate) fn read_answer(target: &StsTarget, status: u16, body: &str) -> Result<Assumed, RoleError> {
    if status == 200
        && let Ok(ok) = quick_xml::de::from_str::<AssumeRoleWithWebIdentityResponse>(body)
    {
        let c = ok.result.credentials;
        return Ok(Assumed {
            credential: AwsCredential {
                key_id: c.access_key_id,
                secret_key: c.secret_access_key,
                token: Some(c.session_token),
            },
            expires: c.expiration,
        });
    }
    if status != 200
        && let Ok(err) = quick_xml::de::from_str::<ErrorResponse>(body)
    {
        return Err(RoleError::StsRefused {
            store: target.store.clone(),
            role: target.role.clone(),
            hint: hint(&err.error.code),
            code: err.error.code,
            message: err.error.message,
        });
    }
    Err(RoleError::StsUnreadable {
        store: target.store.clone(),
        url: target.url.clone(),
        role: target.role.clone(),
        status,
        body: excerpt(body),
    })
}

#[derive(Deserialize)]
struct AssumeRoleWithWebIdentityResponse {
    #[serde(rename = "AssumeRoleWithWebIdentityResult")]
    result: AssumeRoleWithWebIdentityResult,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AssumeRoleWithWebIdentityResult {
    credentials: CredentialsXml,
}

/// No `Debug`: it holds the secret key.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CredentialsXml {
    access_key_id: String,
    secret_access_key: String,
    session_token: String,
    expiration: DateTime<Utc>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ErrorResponse {
    error: ErrorXml,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ErrorXml {
    code: String,
    #[serde(default)]
    message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target() -> StsTarget {
        StsTarget {
            store: "aws".into(),
            url: "https://sts.amazonaws.com".into(),
            role: "arn:aws:iam::123456789012:role/ponte-reader".into(),
            session_name: "ponte".into(),
        }
    }

    /// moto 5.2.5's answer, byte for byte apart from the values.
    const SUCCESS: &str = r#"<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleWithWebIdentityResult>
    <Credentials>
      <AccessKeyId>ASIAEXAMPLEKEY000001</AccessKeyId>
      <SecretAccessKey>secret/with+chars</SecretAccessKey>
      <SessionToken>FQoGZXIvYXdzEBYaDsession</SessionToken>
      <Expiration>2026-12-05T19:08:07.457826Z</Expiration>
    </Credentials>
    <AssumedRoleUser>
      <AssumedRoleId>ARO123EXAMPLE123:ponte</AssumedRoleId>
      <Arn>arn:aws:sts::123456789012:assumed-role/ponte-reader/ponte</Arn>
    </AssumedRoleUser>
    <PackedPolicySize>6</PackedPolicySize>
  </AssumeRoleWithWebIdentityResult>
  <ResponseMetadata><RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId></ResponseMetadata>
</AssumeRoleWithWebIdentityResponse>"#;

    #[test]
    fn credentials_and_expiry_are_read_from_a_success() {
        let a = read_answer(&target(), 200, SUCCESS).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(a.credential.key_id, "ASIAEXAMPLEKEY000001");
        assert_eq!(a.credential.secret_key, "secret/with+chars");
        assert_eq!(a.credential.token.as_deref(), Some("FQoGZXIvYXdzEBYaDsession"));
        assert_eq!(a.expires, "2026-12-05T19:08:07.457826Z".parse::<DateTime<Utc>>().unwrap());
    }

    /// AWS's documented error body (STS API reference, "Errors").
    #[test]
    fn an_sts_error_names_the_store_the_role_the_code_and_the_fix() {
        let body = r#"<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <Error><Type>Sender</Type><Code>InvalidIdentityToken</Code>
    <Message>Incorrect token audience</Message></Error>
  <RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId>
</ErrorResponse>"#;
        let err = read_answer(&target(), 400, body).err().unwrap().to_string();
        assert!(
            err.starts_with(
                "store `aws`: AWS STS refused to let ponte assume role arn:aws:iam::123456789012:role/ponte-reader: \
                 InvalidIdentityToken: Incorrect token audience; the web identity token was refused"
            ),
            "{err}"
        );
        let denied = "<ErrorResponse><Error><Code>AccessDenied</Code><Message>Not authorized to perform \
                      sts:AssumeRoleWithWebIdentity</Message></Error></ErrorResponse>";
        let err = read_answer(&target(), 403, denied).err().unwrap().to_string();
        assert!(err.contains("AccessDenied: Not authorized") && err.contains("trust policy allows"), "{err}");
        let expired = "<ErrorResponse><Error><Code>ExpiredTokenException</Code></Error></ErrorResponse>";
        let err = read_answer(&target(), 400, expired).err().unwrap().to_string();
        assert!(err.contains("ExpiredTokenException: ; the web identity token has expired"), "{err}");
    }

    #[test]
    fn an_answer_that_is_not_sts_xml_is_quoted_with_its_status() {
        let err = read_answer(&target(), 502, "<html>Bad Gateway</html>").err().unwrap().to_string();
        assert_eq!(
            err,
            "store `aws`: AWS STS at https://sts.amazonaws.com answered HTTP 502 without credentials for role \
             arn:aws:iam::123456789012:role/ponte-reader: <html>Bad Gateway</html>"
        );
        // A 200 that lacks credentials is not a success.
        assert!(read_answer(&target(), 200, "<AssumeRoleWithWebIdentityResponse/>").is_err());
    }
}
