//! One line of text for an error and its causes, each said once.
//!
//! anyhow's `{:#}` joins every cause in the chain, but many library errors
//! (object_store's, reqwest's) already repeat their source in their own
//! message (`"{context}: {source}"`), so a chain of four printed the same
//! server reply four times. A cause whose text the line already ends with is
//! left out; one that only appears somewhere inside it is kept.

/// The error and those of its causes the line does not already end with,
/// joined by `: `.
pub(crate) fn error_text(error: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in error.chain() {
        let text = cause.to_string();
        if text.is_empty() || line.ends_with(&text) {
            continue;
        }
        if !line.is_empty() {
            line.push_str(": ");
        }
        line.push_str(&text);
    }
    line
}

#[cfg(test)]
mod tests {
    use super::error_text;

    #[derive(Debug, thiserror::Error)]
    #[error("outer: {0}")]
    struct Repeats(#[source] Inner);

    #[derive(Debug, thiserror::Error)]
    #[error("the server said no")]
    struct Inner;

    #[test]
    fn a_cause_the_message_already_holds_is_said_once() {
        let error = anyhow::Error::new(Repeats(Inner)).context("transfer `daily`");
        assert_eq!(error_text(&error), "transfer `daily`: outer: the server said no");
        assert_eq!(format!("{error:#}"), "transfer `daily`: outer: the server said no: the server said no");
    }

    #[test]
    fn a_cause_named_inside_the_message_but_not_at_its_end_is_kept() {
        let error = anyhow::Error::new(Inner).context("the server said no twice, then");
        assert_eq!(error_text(&error), "the server said no twice, then: the server said no");
    }

    #[test]
    fn causes_that_add_something_are_all_kept() {
        let error = anyhow::Error::new(Inner).context("reading x.parquet").context("loading `sales`");
        assert_eq!(error_text(&error), "loading `sales`: reading x.parquet: the server said no");
    }
}
