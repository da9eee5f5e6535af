//! AWS role federation for `s3://` stores: the role ponte assumes with a
//! web identity token (AWS STS `AssumeRoleWithWebIdentity`), as Storage
//! Transfer Service's "AWS IAM role for identity federation" does, so that
//! no AWS key exists anywhere.
//!
//! The values here are parsed once, where the config is read; the store
//! crate takes them as they are and never re-checks a string.

use std::fmt;
use std::path::PathBuf;

/// `role_arn`, `role_session_name`, the token source and the STS endpoint
/// of an `s3://` store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleFederation {
    /// The role to assume.
    pub role_arn: RoleArn,
    /// `RoleSessionName`: shows in the bucket owner's CloudTrail as the
    /// assumed-role session, so an operator can tell ponte's reads apart.
    pub session_name: SessionName,
    /// Where the web identity token comes from.
    pub token: WebIdentitySource,
    /// The STS endpoint, `http(s)://host[:port]`; `None` means AWS's own
    /// (regional when the store names a region).
    pub sts_endpoint: Option<String>,
}

/// Where ponte gets the web identity token it trades for AWS credentials.
/// Each refresh gets a new one, so a rotated token is always used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WebIdentitySource {
    /// Google's metadata server (Cloud Run, GCE, GKE): a Google-signed ID
    /// token of the instance's service account, for this audience
    /// (`web_identity_audience`). The audience is what the role's trust
    /// policy checks, so it is never defaulted.
    GoogleMetadata {
        /// The `aud` claim requested.
        audience: String,
    },
    /// A file that something else keeps fresh (a Kubernetes projected
    /// service-account token, another cloud's workload identity), read
    /// again on every refresh.
    TokenFile(PathBuf),
    /// The file named by `AWS_WEB_IDENTITY_TOKEN_FILE` when the store is
    /// opened, as AWS's own SDKs read it.
    TokenFileFromEnv,
}

impl WebIdentitySource {
    /// The environment variable [`WebIdentitySource::TokenFileFromEnv`] reads.
    pub const TOKEN_FILE_ENV: &'static str = "AWS_WEB_IDENTITY_TOKEN_FILE";
}

/// An IAM role ARN, `arn:<partition>:iam::<account>:role/<path><name>`,
/// checked for form (not for existence: only STS knows that).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleArn(String);

/// Why a role ARN is not one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "bad role ARN `{arn}`: {why}; expected arn:aws:iam::<12-digit account id>:role/<name> \
     (partition aws, aws-cn or aws-us-gov; a path such as role/team/<name> is allowed)"
)]
pub struct RoleArnError {
    /// The text given.
    pub arn: String,
    /// What is wrong with it.
    pub why: &'static str,
}

/// The partitions STS serves `AssumeRoleWithWebIdentity` in.
const PARTITIONS: [&str; 3] = ["aws", "aws-cn", "aws-us-gov"];

impl RoleArn {
    /// Checks the form IAM gives role ARNs: a known partition, an empty
    /// region, a 12-digit account, `role/`, an optional path of non-empty
    /// segments, and a name of 1-64 of `A-Za-z0-9+=,.@_-`.
    pub fn parse(text: &str) -> Result<Self, RoleArnError> {
        let fail = |why| Err(RoleArnError { arn: text.to_owned(), why });
        let parts: Vec<&str> = text.splitn(6, ':').collect();
        let [arn, partition, service, region, account, resource] = parts[..] else {
            return fail("an ARN has six `:`-separated fields");
        };
        if arn != "arn" {
            return fail("it must start with `arn:`");
        }
        if !PARTITIONS.contains(&partition) {
            return fail("unknown partition");
        }
        if service != "iam" {
            return fail("a role ARN's service is `iam`");
        }
        if !region.is_empty() {
            return fail("IAM ARNs have no region (`iam::`)");
        }
        if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
            return fail("the account id is 12 digits");
        }
        let Some(path_and_name) = resource.strip_prefix("role/") else {
            return fail("the resource must be `role/<name>`");
        };
        let (path, name) = path_and_name.rsplit_once('/').unwrap_or(("", path_and_name));
        if name.is_empty() || name.len() > 64 || !name.chars().all(is_name_char) {
            return fail("the role name is 1-64 of letters, digits and +=,.@_-");
        }
        // IAM paths are at most 512 characters with their outer slashes.
        let segment_ok = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_graphic());
        if !path.is_empty() && (path.len() > 510 || !path.split('/').all(segment_ok)) {
            return fail("a role path is `/`-separated non-empty segments of printable ASCII");
        }
        Ok(Self(text.to_owned()))
    }

    /// The ARN as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RoleArn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A `RoleSessionName`: 2-64 of `A-Za-z0-9+=,.@_-`, as STS requires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionName(String);

impl SessionName {
    /// The session name used when the config names none.
    pub const DEFAULT: &'static str = "ponte";

    /// Checks STS's rule; the error says what is allowed.
    pub fn parse(text: &str) -> Result<Self, String> {
        if (2..=64).contains(&text.len()) && text.chars().all(is_name_char) {
            Ok(Self(text.to_owned()))
        } else {
            Err(format!("bad role_session_name `{text}`: 2-64 of letters, digits and +=,.@_- (AWS STS's rule)"))
        }
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for SessionName {
    fn default() -> Self {
        Self(Self::DEFAULT.to_owned())
    }
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "+=,.@_-".contains(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_arns_of_every_partition_with_and_without_a_path_parse() {
        for ok in [
            "arn:aws:iam::123456789012:role/ponte-reader",
            "arn:aws-cn:iam::123456789012:role/r",
            "arn:aws-us-gov:iam::000000000000:role/team/data/Reader+=,.@_-",
        ] {
            assert_eq!(RoleArn::parse(ok).map(|a| a.as_str().to_owned()), Ok(ok.to_owned()));
        }
    }

    #[test]
    fn malformed_role_arns_say_what_is_wrong() {
        for (bad, why) in [
            ("ponte-reader", "six"),
            ("arn:aws:iam::123456789012:user/alice", "role/<name>"),
            ("arn:aws:s3:::bucket/key", "service is `iam`"),
            ("arn:aws:iam:us-east-1:123456789012:role/r", "no region"),
            ("arn:aws:iam::12345678901:role/r", "12 digits"),
            ("arn:aws:iam::12345678901a:role/r", "12 digits"),
            ("arn:azure:iam::123456789012:role/r", "partition"),
            ("ARN:aws:iam::123456789012:role/r", "start with"),
            ("arn:aws:iam::123456789012:role/", "role name"),
            ("arn:aws:iam::123456789012:role/a b", "role name"),
            ("arn:aws:iam::123456789012:role/team//r", "role path"),
            (&format!("arn:aws:iam::123456789012:role/{}", "r".repeat(65)), "role name"),
        ] {
            let err = RoleArn::parse(bad).unwrap_err();
            assert!(err.why.contains(why), "{bad}: {err}");
            assert!(err.to_string().contains("expected arn:aws:iam::<12-digit account id>:role/<name>"), "{err}");
        }
    }

    #[test]
    fn session_names_follow_sts() {
        assert!(SessionName::parse("ponte-sync@prod").is_ok());
        assert!(SessionName::parse("p").is_err());
        assert!(SessionName::parse("has space").is_err());
        assert!(SessionName::parse(&"s".repeat(65)).is_err());
        assert_eq!(SessionName::default().as_str(), "ponte");
    }
}
