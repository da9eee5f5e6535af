//! Named themes: how a model's pages look (colours, series palette, font,
//! tiles' corners, shadow and text sizes), so an embedded dashboard matches
//! the portal around it. A page picks one with Looker's `theme=` embed
//! parameter, or takes its dashboard's. A theme is a set of the charts'
//! CSS variables; every value is checked against a narrow grammar where the
//! model is read, so a theme can never write anything but a colour, a
//! length or a font name into a page's stylesheet.

use super::raw::{RawTheme, S};
use super::validate::Checker;

/// A theme, ready to write: CSS variables and their values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Theme {
    /// The name URLs and dashboards use.
    pub name: String,
    /// `(variable, value)`, e.g. `("--pc-surface", "#111827")`.
    pub variables: Vec<(String, String)>,
    /// The page's background, when the theme sets one.
    pub background: Option<String>,
}

impl Theme {
    /// The CSS that applies it, written after the charts' stylesheet
    /// (its selectors, so the later rule wins).
    pub fn css(&self) -> String {
        // On the root too, so the frame around the tiles (the filter bar,
        // headings, links) follows the theme.
        let mut out = String::from(":root, .grid, .tile {");
        for (variable, value) in &self.variables {
            out.push_str(&format!(" {variable}: {value};"));
        }
        out.push_str(" }\n");
        if let Some(bg) = &self.background {
            let text = self.variables.iter().find(|(v, _)| v == "--pc-text").map(|(_, t)| t.as_str());
            out.push_str(&format!("body {{ background: {bg};"));
            if let Some(t) = text {
                out.push_str(&format!(" color: {t};"));
            }
            out.push_str(" }\n");
        }
        out
    }
}

/// The most series colours a palette sets (the charts cycle through ten).
const MAX_PALETTE: usize = 10;

pub(super) fn validate_themes(raw: &[S<RawTheme>], checker: &mut Checker<'_>) -> Vec<Theme> {
    let mut seen = std::collections::BTreeMap::new();
    let mut themes = Vec::new();
    for (i, rt) in raw.iter().enumerate() {
        let span = rt.span();
        let rt = rt.get_ref();
        let Some(name) = checker.required(&rt.name, "name", &format!("themes[{i}]"), &span) else { continue };
        let Some(name) = checker.name(name, "theme name") else { continue };
        if !checker.unique(&mut seen, &name, span.clone(), "theme") {
            continue;
        }
        let mut ok = true;
        let mut variables = Vec::new();
        let colours = [
            (&rt.surface, "--pc-surface"),
            (&rt.text, "--pc-text"),
            (&rt.muted, "--pc-muted"),
            (&rt.border, "--pc-border"),
            (&rt.stripe, "--pc-stripe"),
            (&rt.table_header, "--pc-head"),
            (&rt.axis, "--pc-axis"),
            (&rt.value, "--pc-value"),
        ];
        for (value, variable) in colours {
            if let Some(v) = value {
                ok &= push(&mut variables, variable, colour(v), v, "a colour (#rgb, #rrggbb or #rrggbbaa)", checker);
            }
        }
        for (value, variable) in
            [(&rt.tile_radius, "--pc-radius"), (&rt.title_size, "--pc-title-size"), (&rt.value_size, "--pc-value-size")]
        {
            if let Some(v) = value {
                ok &= push(&mut variables, variable, length(v), v, "a length such as 8px or 1.2rem", checker);
            }
        }
        if let Some(v) = &rt.font {
            ok &= push(
                &mut variables,
                "--pc-font",
                font(v),
                v,
                "font names separated by commas (letters, digits, spaces, quotes and -)",
                checker,
            );
        }
        if let Some(v) = &rt.tile_shadow {
            let shadow = match v.get_ref().as_str() {
                "none" => Some("none".to_owned()),
                "soft" => Some("0 1px 2px rgba(16, 24, 40, 0.05)".to_owned()),
                "strong" => Some("0 4px 12px rgba(16, 24, 40, 0.18)".to_owned()),
                _ => None,
            };
            ok &= push(&mut variables, "--pc-shadow", shadow, v, "none, soft or strong", checker);
        }
        if let Some(palette) = &rt.palette {
            if palette.is_empty() || palette.len() > MAX_PALETTE {
                checker.error(span.clone(), format!("theme `{name}`: a palette has 1 to {MAX_PALETTE} colours"));
                ok = false;
            }
            for (k, c) in palette.iter().take(MAX_PALETTE).enumerate() {
                ok &= push(
                    &mut variables,
                    &format!("--pc-s{k}"),
                    colour(c),
                    c,
                    "a colour (#rgb, #rrggbb or #rrggbbaa)",
                    checker,
                );
            }
        }
        let background = match &rt.background {
            Some(v) => match colour(v) {
                Some(c) => Some(c),
                None => {
                    checker.error(
                        v.span(),
                        format!("background `{}` is not a colour (#rgb, #rrggbb or #rrggbbaa)", v.get_ref()),
                    );
                    ok = false;
                    None
                }
            },
            None => None,
        };
        if ok {
            themes.push(Theme { name, variables, background });
        }
    }
    themes
}

fn push(
    variables: &mut Vec<(String, String)>,
    variable: &str,
    checked: Option<String>,
    raw: &S<String>,
    expected: &str,
    checker: &mut Checker<'_>,
) -> bool {
    match checked {
        Some(value) => {
            variables.push((variable.to_owned(), value));
            true
        }
        None => {
            checker.error(raw.span(), format!("`{}` is not {expected}", raw.get_ref()));
            false
        }
    }
}

/// `#rgb`, `#rrggbb` or `#rrggbbaa`.
pub(super) fn colour(v: &S<String>) -> Option<String> {
    let t = v.get_ref().trim();
    let hex = t.strip_prefix('#')?;
    (matches!(hex.len(), 3 | 6 | 8) && hex.bytes().all(|b| b.is_ascii_hexdigit())).then(|| t.to_owned())
}

/// A number and `px`, `rem` or `em`.
fn length(v: &S<String>) -> Option<String> {
    let t = v.get_ref().trim();
    let number = t.strip_suffix("px").or_else(|| t.strip_suffix("rem")).or_else(|| t.strip_suffix("em"))?;
    let ok = !number.is_empty()
        && number.len() <= 8
        && number.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && number.parse::<f64>().is_ok();
    ok.then(|| t.to_owned())
}

/// Font family names, as a CSS font stack.
fn font(v: &S<String>) -> Option<String> {
    let t = v.get_ref().trim();
    let ok = !t.is_empty()
        && t.len() <= 200
        && t.chars().all(|c| c.is_alphanumeric() || matches!(c, ' ' | ',' | '-' | '"' | '\''));
    ok.then(|| t.to_owned())
}

#[cfg(test)]
mod tests {
    use crate::model::parse_model;

    const VIEW: &str = r#"
[model]
name = "m"
[[views]]
name = "v"
dimensions = [{ name = "id", type = "number", primary_key = true }]
measures = [{ name = "n", type = "count" }]
[[explores]]
name = "v"
"#;

    #[test]
    fn a_theme_is_css_variables_with_checked_values() {
        let model = parse_model(
            &format!(
                "{VIEW}[[themes]]\nname = \"escuro\"\nbackground = \"#0f172a\"\nsurface = \"#1e293b\"\ntext = \"#e2e8f0\"\n\
                 palette = [\"#38bdf8\", \"#fbbf24\"]\nfont = \"'Segoe UI', sans-serif\"\ntile_radius = \"10px\"\ntile_shadow = \"none\"\n\
                 [[dashboards]]\nid = \"d\"\ntitle = \"D\"\ntheme = \"escuro\"\n"
            ),
            "m.toml".as_ref(),
        )
        .unwrap();
        let css = model.themes[0].css();
        assert!(css.starts_with(":root, .grid, .tile { --pc-surface: #1e293b; --pc-text: #e2e8f0;"), "{css}");
        assert!(css.contains("--pc-s0: #38bdf8; --pc-s1: #fbbf24;") && css.contains("--pc-shadow: none;"), "{css}");
        assert!(css.contains("body { background: #0f172a; color: #e2e8f0; }"), "{css}");
        assert_eq!(model.dashboard("d").unwrap().theme.as_deref(), Some("escuro"));
    }

    #[test]
    fn nothing_but_colours_lengths_and_font_names_reaches_the_stylesheet() {
        let bad = [
            ("surface = \"red; } body { display: none\"", "is not a colour"),
            ("surface = \"#12345\"", "is not a colour"),
            ("tile_radius = \"8px; color: red\"", "is not a length"),
            ("font = \"x</style><script>\"", "is not font names"),
            ("tile_shadow = \"0 0 9px red\"", "is not none, soft or strong"),
            ("palette = []", "a palette has 1 to 10 colours"),
        ];
        for (line, want) in bad {
            let text = format!("{VIEW}[[themes]]\nname = \"t\"\n{line}\n");
            let err = parse_model(&text, "m.toml".as_ref()).unwrap_err().to_string();
            assert!(err.contains(want), "{line}: {err}");
        }
        let text = format!("{VIEW}[[dashboards]]\nid = \"d\"\ntitle = \"D\"\ntheme = \"nada\"\n");
        let err = parse_model(&text, "m.toml".as_ref()).unwrap_err().to_string();
        assert!(err.contains("unknown theme `nada`; themes defined: none"), "{err}");
    }
}
