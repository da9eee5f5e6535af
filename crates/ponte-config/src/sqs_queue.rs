//! The SQS queue an event-driven transfer reads its S3 event notifications
//! from (Storage Transfer Service's `eventStream.name`), given as the
//! queue's ARN, as STS takes it, or as its URL, as the SQS console shows it
//! (and as a local SQS server, moto, serves it).

use std::fmt;

/// A queue, parsed once where the config is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqsQueue {
    /// The queue URL requests name (`QueueUrl`), and whose host they go to.
    pub url: String,
    /// The region the queue is in, when its ARN or AWS host says so; else
    /// the source store's region signs the requests.
    pub region: Option<String>,
    /// What the config said, for messages.
    written: String,
}

/// Why a queue reference is not one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "bad SQS queue `{queue}`: {why}; expected its ARN, arn:aws:sqs:<region>:<12-digit account id>:<name>, \
     or its URL, https://sqs.<region>.amazonaws.com/<account id>/<name>"
)]
pub struct SqsQueueError {
    /// The text given.
    pub queue: String,
    /// What is wrong with it.
    pub why: &'static str,
}

impl SqsQueue {
    /// Reads an ARN or a URL. SQS's rules: an account id of 12 digits, a
    /// name of 1-80 of letters, digits, `-` and `_` (a FIFO queue's ends in
    /// `.fifo`).
    pub fn parse(text: &str) -> Result<Self, SqsQueueError> {
        let fail = |why| Err(SqsQueueError { queue: text.to_owned(), why });
        let (url, region) = if let Some(rest) = text.strip_prefix("arn:") {
            let parts: Vec<&str> = rest.split(':').collect();
            let [partition, service, region, account, name] = parts[..] else {
                return fail("an ARN has six `:`-separated fields");
            };
            if service != "sqs" {
                return fail("an SQS queue ARN's service is `sqs`");
            }
            let domain = match partition {
                "aws" | "aws-us-gov" => "amazonaws.com",
                "aws-cn" => "amazonaws.com.cn",
                _ => return fail("unknown partition (aws, aws-cn or aws-us-gov)"),
            };
            if region.is_empty() {
                return fail("the region is missing");
            }
            if let Some(why) = account_and_name_problem(account, name) {
                return fail(why);
            }
            (format!("https://sqs.{region}.{domain}/{account}/{name}"), Some(region.to_owned()))
        } else if let Some((scheme, rest)) = text.split_once("://")
            && (scheme == "https" || scheme == "http")
        {
            let mut parts = rest.trim_end_matches('/').split('/');
            let (Some(host), Some(account), Some(name), None) =
                (parts.next(), parts.next(), parts.next(), parts.next())
            else {
                return fail("a queue URL is <scheme>://<host>/<account id>/<name>");
            };
            if host.is_empty() {
                return fail("the URL has no host");
            }
            if let Some(why) = account_and_name_problem(account, name) {
                return fail(why);
            }
            let region = host
                .strip_prefix("sqs.")
                .and_then(|h| h.split_once(".amazonaws.com"))
                .map(|(region, _)| region.to_owned())
                .filter(|r| !r.is_empty() && !r.contains('.'));
            (format!("{scheme}://{host}/{account}/{name}"), region)
        } else {
            return fail("it is neither an ARN (arn:…) nor a URL (https://…)");
        };
        Ok(Self { url, region, written: text.to_owned() })
    }

    /// Whether requests go over plain HTTP (a local server only).
    pub fn is_http(&self) -> bool {
        self.url.starts_with("http://")
    }
}

fn account_and_name_problem(account: &str, name: &str) -> Option<&'static str> {
    if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
        return Some("the account id is 12 digits");
    }
    let base = name.strip_suffix(".fifo").unwrap_or(name);
    if base.is_empty() || name.len() > 80 || !base.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Some("the queue name is 1-80 of letters, digits, `-` and `_`");
    }
    None
}

impl fmt::Display for SqsQueue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.written)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arns_become_the_url_of_their_region() {
        let q = SqsQueue::parse("arn:aws:sqs:sa-east-1:123456789012:lake-events").unwrap();
        assert_eq!(q.url, "https://sqs.sa-east-1.amazonaws.com/123456789012/lake-events");
        assert_eq!(q.region.as_deref(), Some("sa-east-1"));
        assert_eq!(q.to_string(), "arn:aws:sqs:sa-east-1:123456789012:lake-events");
        let cn = SqsQueue::parse("arn:aws-cn:sqs:cn-north-1:123456789012:q.fifo").unwrap();
        assert_eq!(cn.url, "https://sqs.cn-north-1.amazonaws.com.cn/123456789012/q.fifo");
    }

    #[test]
    fn urls_are_kept_and_name_their_region_when_aws_hosts_them() {
        let q = SqsQueue::parse("https://sqs.us-east-2.amazonaws.com/123456789012/lake-events/").unwrap();
        assert_eq!(q.url, "https://sqs.us-east-2.amazonaws.com/123456789012/lake-events");
        assert_eq!(q.region.as_deref(), Some("us-east-2"));
        let local = SqsQueue::parse("http://127.0.0.1:5000/123456789012/lake-events").unwrap();
        assert_eq!((local.is_http(), local.region), (true, None));
    }

    #[test]
    fn each_mistake_is_named() {
        let why = |t: &str| SqsQueue::parse(t).unwrap_err().why;
        assert_eq!(why("arn:aws:sqs:us-east-1:lake-events"), "an ARN has six `:`-separated fields");
        assert_eq!(why("arn:aws:s3:::lake"), "an SQS queue ARN's service is `sqs`");
        assert_eq!(why("arn:aws:sns:us-east-1:123456789012:t"), "an SQS queue ARN's service is `sqs`");
        assert_eq!(why("arn:aws:sqs:us-east-1:1234:q"), "the account id is 12 digits");
        assert_eq!(why("arn:aws:sqs::123456789012:q"), "the region is missing");
        assert_eq!(
            why("https://sqs.us-east-1.amazonaws.com/123456789012/a b"),
            "the queue name is 1-80 of letters, digits, `-` and `_`"
        );
        assert_eq!(
            why("https://sqs.us-east-1.amazonaws.com/q"),
            "a queue URL is <scheme>://<host>/<account id>/<name>"
        );
        assert_eq!(why("lake-events"), "it is neither an ARN (arn:…) nor a URL (https://…)");
        let e = SqsQueue::parse("lake-events").unwrap_err().to_string();
        assert!(e.starts_with("bad SQS queue `lake-events`: it is neither"), "{e}");
    }
}
