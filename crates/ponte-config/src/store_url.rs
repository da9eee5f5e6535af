//! Store URLs: where a store's objects live.

use std::fmt;
use std::path::{Component, Path, PathBuf};

/// A parsed store URL. Relative `file://` paths are already resolved against
/// the config file's folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreUrl {
    /// `s3://bucket[/prefix]`
    S3 {
        /// Bucket name.
        bucket: String,
        /// Key prefix inside the bucket, without leading or trailing `/`.
        prefix: String,
    },
    /// `gs://bucket[/prefix]`
    Gcs {
        /// Bucket name.
        bucket: String,
        /// Key prefix inside the bucket, without leading or trailing `/`.
        prefix: String,
    },
    /// `file:///abs/dir` or `file://./relative/dir`
    File {
        /// Absolute directory.
        path: PathBuf,
    },
    /// `memory://name`: an in-process store, for tests and trials.
    Memory {
        /// Stores with the same name share their objects within a process.
        name: String,
    },
}

/// Why a store URL was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreUrlError {
    /// No `scheme://` at the front.
    #[error(
        "`{url}` is not a store URL; expected s3://bucket/prefix, gs://bucket/prefix, file://path or memory://name"
    )]
    NotAUrl {
        /// The URL as written.
        url: String,
    },
    /// A scheme ponte has no backend for.
    #[error("unknown scheme `{scheme}://` in `{url}`; expected one of s3://, gs://, file://, memory://")]
    UnknownScheme {
        /// The scheme as written.
        scheme: String,
        /// The URL as written.
        url: String,
    },
    /// The bucket part is missing or malformed.
    #[error("bad bucket name `{bucket}` in `{url}`: {reason}")]
    BadBucket {
        /// The bucket as written.
        bucket: String,
        /// The URL as written.
        url: String,
        /// What is wrong.
        reason: &'static str,
    },
    /// `file://` with nothing after it.
    #[error("`{url}` names no directory")]
    EmptyPath {
        /// The URL as written.
        url: String,
    },
}

impl StoreUrl {
    /// Parses `url`, resolving relative file paths against `base_dir`.
    pub fn parse(url: &str, base_dir: &Path) -> Result<Self, StoreUrlError> {
        let Some((scheme, rest)) = url.split_once("://") else {
            return Err(StoreUrlError::NotAUrl { url: url.to_owned() });
        };
        match scheme {
            "s3" | "gs" => {
                let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
                check_bucket(bucket, scheme == "gs").map_err(|reason| StoreUrlError::BadBucket {
                    bucket: bucket.to_owned(),
                    url: url.to_owned(),
                    reason,
                })?;
                let bucket = bucket.to_owned();
                let prefix = prefix.trim_matches('/').to_owned();
                Ok(if scheme == "s3" { Self::S3 { bucket, prefix } } else { Self::Gcs { bucket, prefix } })
            }
            "file" => {
                if rest.is_empty() {
                    return Err(StoreUrlError::EmptyPath { url: url.to_owned() });
                }
                Ok(Self::File { path: resolve_path(base_dir, rest) })
            }
            "memory" => Ok(Self::Memory { name: rest.trim_matches('/').to_owned() }),
            _ => Err(StoreUrlError::UnknownScheme { scheme: scheme.to_owned(), url: url.to_owned() }),
        }
    }

    /// The same store one folder (key prefix) deeper: `gs://b/p` joined
    /// with `w/x` is `gs://b/p/w/x`. `path` is relative, `/`-separated.
    pub fn join(&self, path: &str) -> Self {
        let path = path.trim_matches('/');
        if path.is_empty() {
            return self.clone();
        }
        let deeper = |prefix: &str| if prefix.is_empty() { path.to_owned() } else { format!("{prefix}/{path}") };
        match self {
            Self::S3 { bucket, prefix } => Self::S3 { bucket: bucket.clone(), prefix: deeper(prefix) },
            Self::Gcs { bucket, prefix } => Self::Gcs { bucket: bucket.clone(), prefix: deeper(prefix) },
            Self::File { path: dir } => Self::File { path: dir.join(path) },
            Self::Memory { name } => Self::Memory { name: format!("{name}/{path}") },
        }
    }

    /// `s3`, `gs`, `file` or `memory`.
    pub fn scheme(&self) -> &'static str {
        match self {
            Self::S3 { .. } => "s3",
            Self::Gcs { .. } => "gs",
            Self::File { .. } => "file",
            Self::Memory { .. } => "memory",
        }
    }
}

impl fmt::Display for StoreUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::S3 { bucket, prefix } | Self::Gcs { bucket, prefix } => {
                write!(f, "{}://{bucket}", self.scheme())?;
                if !prefix.is_empty() {
                    write!(f, "/{prefix}")?;
                }
                Ok(())
            }
            Self::File { path } => write!(f, "file://{}", path.display()),
            Self::Memory { name } => write!(f, "memory://{name}"),
        }
    }
}

/// S3 and GCS share the core rules: 3–63 characters of lowercase letters,
/// digits, dots and hyphens (GCS also allows underscores), starting and ending
/// with a letter or digit.
fn check_bucket(bucket: &str, gcs: bool) -> Result<(), &'static str> {
    if bucket.len() < 3 || bucket.len() > 63 {
        return Err("must be 3 to 63 characters long");
    }
    let ok_char = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-' || (gcs && c == '_');
    if !bucket.chars().all(ok_char) {
        return Err("may hold only lowercase letters, digits, dots and hyphens");
    }
    let edge_ok = |c: Option<char>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    if !edge_ok(bucket.chars().next()) || !edge_ok(bucket.chars().last()) {
        return Err("must start and end with a letter or digit");
    }
    Ok(())
}

/// Joins a possibly relative path onto `base_dir` and removes `.` and `..`
/// lexically, so the result names the same place whatever the working
/// directory is.
pub fn resolve_path(base_dir: &Path, path: impl AsRef<Path>) -> PathBuf {
    let joined = base_dir.join(path.as_ref());
    let mut out = PathBuf::new();
    for component in joined.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_scheme() {
        let base = Path::new("/etc/ponte");
        assert_eq!(
            StoreUrl::parse("s3://my-bucket/a/b/", base).unwrap(),
            StoreUrl::S3 { bucket: "my-bucket".into(), prefix: "a/b".into() }
        );
        assert_eq!(
            StoreUrl::parse("gs://804171967601-comerc_x", base).unwrap(),
            StoreUrl::Gcs { bucket: "804171967601-comerc_x".into(), prefix: "".into() }
        );
        assert_eq!(
            StoreUrl::parse("file://./data/../data/s3", base).unwrap(),
            StoreUrl::File { path: "/etc/ponte/data/s3".into() }
        );
        assert_eq!(
            StoreUrl::parse("file:///srv/landing", base).unwrap(),
            StoreUrl::File { path: "/srv/landing".into() }
        );
        assert_eq!(StoreUrl::parse("memory://t", base).unwrap(), StoreUrl::Memory { name: "t".into() });
    }

    #[test]
    fn refuses_bad_urls() {
        let base = Path::new("/");
        let cases = [
            ("ftp://x/y", "unknown scheme `ftp://`"),
            ("bucket/path", "is not a store URL"),
            ("s3://My_Bucket", "may hold only lowercase"),
            ("s3://ab", "3 to 63"),
            ("gs://-abc", "must start and end"),
            ("file://", "names no directory"),
        ];
        for (url, want) in cases {
            let err = StoreUrl::parse(url, base).unwrap_err().to_string();
            assert!(err.contains(want), "{url}: {err}");
        }
    }
}
