//! Logs go to stderr, readable on a terminal or as JSON lines.
//!
//! Log lines carry values users send (an embed URL's `external_user_id`, a
//! request path, a name in an error message). In JSON every value is a JSON
//! string, escaped by the encoder. In the human format a value with a line
//! break would start a line of its own and forge an entry, and one with an
//! escape character could drive the terminal; so every field, the message
//! included, is written with its control characters escaped (`\n`, `\r`,
//! `\u{1b}`): one event is always exactly one line.

use std::fmt::Write as _;

use tracing_subscriber::EnvFilter;
use tracing_subscriber::field::RecordFields;
use tracing_subscriber::fmt::FormatFields;
use tracing_subscriber::fmt::format::{DefaultFields, Writer};

use crate::cli::LogFormat;

/// Sets up the global subscriber. `RUST_LOG` overrides the verbosity flags.
pub fn init(format: LogFormat, verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    match format {
        LogFormat::Human => builder.with_target(false).fmt_fields(EscapedFields::default()).init(),
        LogFormat::Json => builder.json().init(),
    }
}

/// tracing's default field formatting, with control characters escaped.
#[derive(Debug, Default)]
struct EscapedFields(DefaultFields);

impl<'writer> FormatFields<'writer> for EscapedFields {
    fn format_fields<R: RecordFields>(&self, mut writer: Writer<'writer>, fields: R) -> std::fmt::Result {
        let mut plain = String::new();
        self.0.format_fields(Writer::new(&mut plain), fields)?;
        writer.write_str(&escape_controls(&plain))
    }
}

/// `text` with every control character written as an escape.
fn escape_controls(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped_and_the_rest_kept() {
        assert_eq!(escape_controls("maria\n2026-12-05 ERROR forged"), "maria\\n2026-12-05 ERROR forged");
        assert_eq!(escape_controls("a\r\tb\u{1b}[31mc"), "a\\r\\tb\\u{1b}[31mc");
        assert_eq!(escape_controls("São Paulo — ok"), "São Paulo — ok");
    }
}
