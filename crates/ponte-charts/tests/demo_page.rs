//! The example's demo dashboard (every tile kind, energy invoices in
//! pt-BR and en-US), written to the temp dir and checked to be well formed:
//! every element closed in order, quotes balanced, nothing fetched from
//! elsewhere.

#[allow(dead_code)]
#[path = "../examples/demo.rs"]
mod demo;

use ponte_charts::{Locale, TileKind};

const VOID: [&str; 9] = ["meta", "link", "br", "hr", "img", "input", "col", "source", "wbr"];

/// Checks that elements nest and close properly; returns how many of each
/// element name were opened.
fn check_well_formed(html: &str) -> std::collections::BTreeMap<String, usize> {
    let mut stack: Vec<String> = Vec::new();
    let mut counts = std::collections::BTreeMap::new();
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        rest = &rest[start..];
        if rest.starts_with("<!") {
            rest = &rest[rest.find('>').expect("a closed declaration") + 1..];
            continue;
        }
        let end = rest.find('>').unwrap_or_else(|| panic!("an unclosed tag at {:?}", &rest[..rest.len().min(80)]));
        let tag = &rest[1..end];
        assert!(!tag.contains('<'), "a `<` inside a tag: {tag}");
        assert_eq!(tag.matches('"').count() % 2, 0, "unbalanced quotes in <{tag}>");
        rest = &rest[end + 1..];
        if let Some(name) = tag.strip_prefix('/') {
            let open = stack.pop().unwrap_or_else(|| panic!("</{name}> closes nothing"));
            assert_eq!(open, name, "</{name}> closes <{open}>");
            continue;
        }
        let name: String = tag.chars().take_while(|c| c.is_ascii_alphanumeric()).collect();
        assert!(!name.is_empty(), "a tag without a name: <{tag}>");
        *counts.entry(name.clone()).or_insert(0) += 1;
        if tag.ends_with('/') || VOID.contains(&name.as_str()) {
            continue;
        }
        if name == "style" {
            let close = rest.find("</style>").expect("a closed <style>");
            rest = &rest[close..];
        }
        stack.push(name);
    }
    assert!(stack.is_empty(), "unclosed: {stack:?}");
    counts
}

#[test]
fn demo_page_is_well_formed_and_self_contained() {
    for locale in [Locale::PT_BR, Locale::EN_US] {
        let html = demo::page(&locale);
        let path = std::env::temp_dir().join(format!("ponte-charts-demo-{}.html", locale.tag()));
        std::fs::write(&path, &html).expect("the demo page is written");
        println!("demo page: {}", path.display());

        let counts = check_well_formed(&html);
        assert_eq!(counts["section"], TileKind::ALL.len());
        assert_eq!(counts["h2"], TileKind::ALL.len());
        // Seven charts (all but the single value and the table), plus a
        // swatch per legend entry.
        assert_eq!(html.matches("<svg class=\"chart\"").count(), 7);
        assert_eq!(counts["svg"], html.matches("</svg>").count());
        assert_eq!(counts["table"], 1);
        for (kind, _) in TileKind::ALL {
            let class = format!("{kind:?}").to_lowercase().replace("singlevalue", "single-value");
            assert!(html.contains(&format!("<section class=\"tile tile-{class}\">")), "{kind:?}");
        }
        // Nothing to fetch: no scripts, links, images, fonts or remote URLs.
        assert!(!html.contains("<script") && !html.contains("<link") && !html.contains("<img"));
        assert!(!html.contains("src=") && !html.contains("href=") && !html.contains("url("));
        assert_eq!(html.matches("http").count(), html.matches("xmlns=\"http://www.w3.org/2000/svg\"").count());
        assert!(html.contains(if locale == Locale::PT_BR { "R$ 1.234.567,89" } else { "R$ 1,234,567.89" }));
    }
    let pt = demo::page(&Locale::PT_BR);
    assert!(pt.contains("<html lang=\"pt-BR\">"));
    assert!(pt.contains("Enel SP") && pt.contains(">mar.</text>") && pt.contains("<td>dez. 2025</td>"));
    // The scatter plots a point per unit; the funnel shares its first step.
    let scatter = &pt[pt.find("tile-scatter").unwrap()..pt.find("tile-funnel").unwrap()];
    assert_eq!(scatter.matches("<circle class=\"mark s0\"").count(), 16, "{scatter}");
    assert!(scatter.contains("<title>Unidade 12 · Consumo (kWh): "), "{scatter}");
    assert!(pt.contains(">Pagas</text>") && pt.contains(">1.240</text>") && pt.contains(">62%</text>"));
    assert_eq!(pt, demo::page(&Locale::PT_BR), "deterministic");
}
