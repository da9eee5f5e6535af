//! Text tiles: a model's Markdown (Looker's `body_text`) as HTML that can
//! hold nothing but text and formatting. Raw HTML in the Markdown is shown
//! as text, links keep only `https:`, `http:`, `mailto:` and page-relative
//! targets (never `javascript:` or `data:`), and images become their alt
//! text: the page's stylesheet and script are the only active content.

use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, TagEnd};

use crate::escape::escape_html;

/// Markdown to safe HTML.
pub(crate) fn markdown(text: &str) -> String {
    let mut in_image = 0usize;
    let events: Vec<Event<'_>> = Parser::new_ext(text, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH)
        .filter_map(|event| match event {
            // Raw HTML is text, not markup.
            Event::Html(html) | Event::InlineHtml(html) => Some(Event::Text(html)),
            Event::Start(Tag::Link { link_type, dest_url, title, id }) => {
                let dest_url = if safe_url(&dest_url) { dest_url } else { CowStr::from("#") };
                Some(Event::Start(Tag::Link { link_type, dest_url, title, id }))
            }
            // An image is its alt text (the page loads nothing from elsewhere).
            Event::Start(Tag::Image { .. }) => {
                in_image += 1;
                None
            }
            Event::End(TagEnd::Image) => {
                in_image = in_image.saturating_sub(1);
                None
            }
            other => Some(other),
        })
        .collect();
    let mut out = String::new();
    pulldown_cmark::html::push_html(&mut out, events.into_iter());
    out
}

fn safe_url(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    match lower.split_once(':') {
        // A colon before any `/`, `?` or `#` names a scheme.
        Some((scheme, _)) if !scheme.contains(['/', '?', '#']) => matches!(scheme, "https" | "http" | "mailto"),
        _ => true,
    }
}

/// A text tile: its title and its Markdown.
pub(crate) fn tile(title: &str, body: &str) -> String {
    format!(
        "<section class=\"tile tile-text\">\n<h2 class=\"tile-title\">{}</h2>\n<div class=\"tile-body text-body\">\n{}</div>\n</section>\n",
        escape_html(title),
        markdown(body)
    )
}

#[cfg(test)]
mod tests {
    use super::markdown;

    #[test]
    fn markdown_keeps_formatting_and_drops_anything_active() {
        assert_eq!(markdown("**Custo** em *R$*"), "<p><strong>Custo</strong> em <em>R$</em></p>\n");
        let hostile = markdown(
            "<script>alert(1)</script>\n\nx <img src=x onerror=alert(1)> [a](javascript:alert(1)) [b](https://comerc.com.br/ajuda) ![logo](https://evil.example/p.png)",
        );
        assert!(!hostile.contains("<script") && !hostile.contains("<img"), "{hostile}");
        assert!(hostile.contains("&lt;script&gt;") && hostile.contains("href=\"#\""), "{hostile}");
        assert!(hostile.contains("href=\"https://comerc.com.br/ajuda\"") && hostile.contains("logo"), "{hostile}");
        assert!(!hostile.contains("evil.example"), "{hostile}");
        assert!(markdown("[r](/embed/dashboards/1)").contains("href=\"/embed/dashboards/1\""));
        assert!(markdown("[x](JaVaScRiPt:alert(1))").contains("href=\"#\""));
    }
}
