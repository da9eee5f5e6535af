//! HTML/XML escaping, the one door through which data reaches the output.

/// `text` with `&`, `<`, `>`, `"` and `'` replaced by entities, safe in HTML
/// and SVG text and in double- or single-quoted attributes. Every label,
/// title and value in a tile goes through it; it is public so the page
/// renderer escapes what it adds around the tiles the same way.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Control characters are invalid in XML (SVG) and useless in labels.
            c if c.is_control() && c != '\n' && c != '\t' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(escape_html(r#"<a href="x">'&'</a>"#), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
        assert_eq!(escape_html("Mês de referência"), "Mês de referência");
        assert_eq!(escape_html("a\u{0}b"), "a\u{FFFD}b");
    }
}
