//! A table's conditional formatting (Looker's `conditional_formatting`):
//! which cells are coloured, by which rule, and that nothing but a hex
//! colour ever reaches the style.

use ponte_charts::{
    Column, ConditionalFormat, FormatRule, Link, LinkKind, Locale, TileData, TileKind, TileOptions, Value,
    render_tile_with,
};

const PT: Locale = Locale::PT_BR;

/// Cost and invoice count per status; the overdue cost is unknown.
fn by_status() -> TileData {
    TileData {
        columns: vec![
            Column::dimension("f.status", "Status", "string"),
            Column::measure("f.custo", "Custo", "sum", Some("R$ #,##0.00")),
            Column::measure("f.qtd", "Faturas", "count", Some("#,##0")),
        ],
        rows: vec![
            vec![Value::from("paga"), Value::from(3000.0), Value::from(12.0)],
            vec![Value::from("aberta"), Value::from(1500.0), Value::from(3000.0)],
            vec![Value::from("vencida"), Value::Null, Value::from(500.0)],
        ],
    }
}

fn rule(
    fields: &[&str],
    rule: FormatRule,
    background: Option<&str>,
    font: Option<&str>,
    bold: bool,
) -> ConditionalFormat {
    ConditionalFormat {
        fields: fields.iter().map(|f| (*f).to_owned()).collect(),
        rule,
        background: background.map(str::to_owned),
        font: font.map(str::to_owned),
        bold,
    }
}

fn table(data: &TileData, formats: &[ConditionalFormat]) -> String {
    let options = TileOptions { conditional_formats: formats, ..TileOptions::plain() };
    render_tile_with(TileKind::Table, "Por status", data, &PT, &options)
}

#[test]
fn the_first_rule_that_matches_colours_the_cell() {
    let formats = [
        rule(&["f.custo"], FormatRule::GreaterThan(2500.0), Some("#fde2e1"), Some("#b42318"), true),
        rule(&["f.custo"], FormatRule::GreaterThan(1000.0), Some("#fef3c7"), None, false),
        rule(&["f.custo"], FormatRule::Null, Some("#eee"), None, false),
    ];
    let html = table(&by_status(), &formats);
    assert!(
        html.contains(
            "<td class=\"num\" style=\"background-color:#fde2e1;color:#b42318;font-weight:bold\">R$ 3.000,00</td>"
        ),
        "the first rule wins over the second: {html}"
    );
    assert!(html.contains("<td class=\"num\" style=\"background-color:#fef3c7\">R$ 1.500,00</td>"), "{html}");
    assert!(html.contains("<td class=\"num null\" style=\"background-color:#eee\">—</td>"), "{html}");
    assert!(html.contains("<td class=\"num\">3.000</td>"), "another field's 3000 is left alone: {html}");
    assert_eq!(html.matches(" style=").count(), 3);
}

#[test]
fn a_rule_without_fields_covers_every_numeric_column() {
    let formats = [rule(&[], FormatRule::Between(500.0, 3000.0), None, None, true)];
    let html = table(&by_status(), &formats);
    for cell in ["R$ 3.000,00", "R$ 1.500,00", "3.000", "500"] {
        assert!(html.contains(&format!("<td class=\"num\" style=\"font-weight:bold\">{cell}</td>")), "{cell}: {html}");
    }
    assert!(html.contains("<td class=\"num\">12</td>") && html.contains("<td>paga</td>"), "{html}");
    // Text columns are never formatted, though their cells are no numbers.
    let html = table(&by_status(), &[rule(&[], FormatRule::Null, Some("#000"), None, false)]);
    assert!(html.contains("<td>paga</td>"), "{html}");
    assert!(html.contains("<td class=\"num null\" style=\"background-color:#000\">—</td>"), "{html}");
}

#[test]
fn colours_that_are_not_hex_are_dropped() {
    let formats = [rule(
        &["f.custo"],
        FormatRule::NotNull,
        Some("red;background:url(x)"),
        Some("#fff\" onmouseover=\"alert(1)"),
        false,
    )];
    let html = table(&by_status(), &formats);
    assert!(!html.contains("url(") && !html.contains("onmouseover") && !html.contains("red"), "{html}");
    assert!(!html.contains(" style="), "nothing valid, no style at all: {html}");
    let formats = [rule(&["f.custo"], FormatRule::NotNull, Some("red;background:url(x)"), Some("#0a0"), true)];
    let html = table(&by_status(), &formats);
    assert!(html.contains("<td class=\"num\" style=\"color:#0a0;font-weight:bold\">R$ 3.000,00</td>"), "{html}");
    assert!(!html.contains("url("));
}

#[test]
fn totals_and_links_keep_working_and_totals_are_not_formatted() {
    let totals = [Value::Null, Value::from(4500.0), Value::from(3512.0)];
    let formats = [rule(&[], FormatRule::GreaterThan(2000.0), Some("#fde2e1"), None, false)];
    let links = |row: usize, col: usize| {
        Some(Link { href: format!("/drill/{row}/{col}"), label: "Ver".into(), kind: LinkKind::Drill })
    };
    let options =
        TileOptions { links: &links, totals: Some(&totals), conditional_formats: &formats, ..TileOptions::plain() };
    let html = render_tile_with(TileKind::Table, "Por status", &by_status(), &PT, &options);
    assert!(
        html.contains("<td class=\"num\" style=\"background-color:#fde2e1\"><a class=\"drill\" href=\"/drill/0/1\" data-label=\"Ver\">R$ 3.000,00</a></td>"),
        "{html}"
    );
    assert!(
        html.contains("<th scope=\"row\" class=\"num\">R$ 4.500,00</th><th scope=\"row\" class=\"num\">3.512</th>"),
        "totals above the threshold stay plain: {html}"
    );
}

#[test]
fn formats_are_for_tables_only() {
    let formats = [rule(&[], FormatRule::NotNull, Some("#fde2e1"), None, true)];
    for kind in [TileKind::Column, TileKind::SingleValue, TileKind::Pie] {
        let options = TileOptions { conditional_formats: &formats, ..TileOptions::plain() };
        let html = render_tile_with(kind, "Por status", &by_status(), &PT, &options);
        assert!(!html.contains("style="), "{kind:?}: {html}");
    }
}
