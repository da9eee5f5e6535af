//! Every tile kind rendered from typical, empty and hostile results.

use ponte_charts::{Column, Link, LinkKind, Locale, TileData, TileKind, Value, render_tile, render_tile_with_links};

const PT: Locale = Locale::PT_BR;
const EN: Locale = Locale::EN_US;

const CHARTS: [TileKind; 7] = [
    TileKind::Bar,
    TileKind::Column,
    TileKind::Line,
    TileKind::Area,
    TileKind::Pie,
    TileKind::Scatter,
    TileKind::Funnel,
];

fn all_kinds() -> impl Iterator<Item = TileKind> {
    TileKind::ALL.iter().map(|(k, _)| *k)
}

fn month(i: usize) -> String {
    format!("{}-{:02}", 2023 + i / 12, i % 12 + 1)
}

/// `n` months of cost (R$) and consumption (kWh).
fn monthly(n: usize) -> TileData {
    TileData {
        columns: vec![
            Column::dimension("faturas.mes_month", "Mês", "date_month"),
            Column::measure("faturas.valor", "Valor da fatura", "sum", Some("R$ #,##0.00")),
            Column::measure("faturas.consumo", "Consumo (kWh)", "sum", Some("#,##0")),
        ],
        rows: (0..n)
            .map(|i| {
                vec![
                    Value::from(month(i)),
                    Value::from(1000.0 + 150.0 * i as f64),
                    Value::from(5000.0 + 10.0 * i as f64),
                ]
            })
            .collect(),
    }
}

/// One measure by a string dimension.
fn by_unit(units: &[&str], values: &[f64]) -> TileData {
    TileData {
        columns: vec![
            Column::dimension("unidades.nome", "Unidade", "string"),
            Column::measure("faturas.valor", "Valor", "sum", Some("R$ #,##0.00")),
        ],
        rows: units.iter().zip(values).map(|(u, v)| vec![Value::from(*u), Value::from(*v)]).collect(),
    }
}

fn count(haystack: &str, needle: &str) -> usize {
    haystack.matches(needle).count()
}

/// The `<text>` contents of the first `<g class="x-axis" …>` group, with their x.
fn x_axis_labels(html: &str) -> Vec<(f64, String)> {
    let start = html.find("<g class=\"x-axis\"").expect("an x axis");
    let group = &html[start..start + html[start..].find("</g>").unwrap()];
    group
        .split("<text x=\"")
        .skip(1)
        .map(|t| {
            let x = t[..t.find('"').unwrap()].parse().unwrap();
            let text = &t[t.find('>').unwrap() + 1..t.find("</text>").unwrap()];
            (x, text[..text.find('<').unwrap_or(text.len())].to_owned())
        })
        .collect()
}

#[test]
fn looker_names_round_trip() {
    for (kind, name) in TileKind::ALL {
        assert_eq!(TileKind::from_looker(name), Some(kind));
        assert_eq!(kind.as_looker(), name);
    }
    assert_eq!(TileKind::from_looker("looker_scatter"), Some(TileKind::Scatter));
    assert_eq!(TileKind::from_looker("looker_funnel"), Some(TileKind::Funnel));
    assert_eq!(TileKind::from_looker("looker_boxplot"), None, "kinds ponte does not draw");
}

#[test]
fn every_kind_renders_typical_data() {
    let data = monthly(12);
    for kind in all_kinds() {
        let html = render_tile(kind, "Custo mensal", &data, &PT);
        let class = match kind {
            TileKind::SingleValue => "single-value",
            TileKind::Bar => "bar",
            TileKind::Column => "column",
            TileKind::Line => "line",
            TileKind::Area => "area",
            TileKind::Pie => "pie",
            TileKind::Table => "table",
            TileKind::Scatter => "scatter",
            TileKind::Funnel => "funnel",
        };
        assert!(html.starts_with(&format!("<section class=\"tile tile-{class}\">\n")), "{html}");
        assert!(html.contains("<h2 class=\"tile-title\">Custo mensal</h2>"), "{kind:?}");
        assert!(html.trim_end().ends_with("</section>"), "{kind:?}");
        assert!(!html.contains("Sem dados"), "{kind:?}");
        assert!(html.len() > if kind == TileKind::SingleValue { 150 } else { 1000 }, "{kind:?}: {html}");
    }
    for kind in CHARTS {
        let html = render_tile(kind, "Custo mensal", &data, &PT);
        assert_eq!(count(&html, "<svg class=\"chart\""), 1, "{kind:?}");
        assert!(html.contains("role=\"img\" aria-label=\"Custo mensal — Gráfico de "), "{kind:?}: {html}");
        assert!(html.contains("<title>"), "{kind:?} has hover tooltips");
    }
}

#[test]
fn cartesian_charts_have_axes_ticks_and_legends() {
    let data = monthly(12);
    let html = render_tile(TileKind::Column, "Custo", &data, &PT);
    // 4-6 gridlines with formatted, compacted tick labels.
    let lines = count(&html, "<line ");
    assert!((4..=6).contains(&lines), "{lines} ticks");
    assert!(html.contains(">R$ 0</text>"), "{html}");
    // Months on two lines, the year once.
    assert!(html.contains(">jan.<tspan x=\"") && html.contains("\">2023</tspan></text>"), "{html}");
    assert!(html.contains(">dez.</text>"));
    assert!(html.contains("<title>mar. 2023 · Valor da fatura: R$ 1.300,00</title>"), "{html}");
    assert_eq!(count(&html, "<rect class=\"mark "), 24);
    assert!(html.contains("<ul class=\"legend\">") && html.contains("<span>Consumo (kWh)</span>"));
    assert!(html.contains("class=\"axis-title\"") && html.contains(">Mês</text>"));

    let one = by_unit(&["Loja 1", "Loja 2"], &[1200.0, 800.0]);
    let html = render_tile(TileKind::Column, "Custo", &one, &EN);
    assert!(!html.contains("class=\"legend\""), "no legend for one series");
    assert!(html.contains("<title>Loja 1: R$ 1,200.00</title>"), "{html}");
    assert!(html.contains(">Valor</text>"), "the measure names the value axis");

    let line = render_tile(TileKind::Line, "Custo", &monthly(6), &PT);
    assert_eq!(count(&line, "<polyline"), 2);
    assert_eq!(count(&line, "<circle class=\"mark "), 12);
    let area = render_tile(TileKind::Area, "Custo", &monthly(6), &PT);
    assert_eq!(count(&area, "<path class=\"s"), 2);
    assert!(area.contains("fill-opacity"));
    let bar = render_tile(TileKind::Bar, "Custo", &one, &PT);
    assert!(bar.contains(">Loja 1</text>") && bar.contains("text-anchor=\"end\""));
}

#[test]
fn negative_values_hang_below_zero() {
    let data = by_unit(&["Crédito", "Débito", "Ajuste"], &[-350.0, 800.0, 0.0]);
    for kind in [TileKind::Column, TileKind::Bar, TileKind::Line, TileKind::Area] {
        let html = render_tile(kind, "Saldo", &data, &PT);
        assert!(html.contains(">-R$ "), "{kind:?}: negative tick labels: {html}");
        assert!(!html.contains("height=\"-") && !html.contains("width=\"-"), "{kind:?}");
        assert!(html.contains("stroke=\"#9ca3af\""), "{kind:?}: a zero line");
    }
}

#[test]
fn nulls_break_lines_and_skip_bars() {
    let mut data = monthly(6);
    data.rows[2][1] = Value::Null;
    data.rows[3].truncate(1); // a short row counts as nulls
    let line = render_tile(TileKind::Line, "Custo", &data, &PT);
    assert_eq!(count(&line, "<polyline"), 4, "each series splits in two");
    let column = render_tile(TileKind::Column, "Custo", &data, &PT);
    assert_eq!(count(&column, "<rect class=\"mark "), 9);
    let table = render_tile(TileKind::Table, "Custo", &data, &PT);
    assert_eq!(count(&table, ">—</td>"), 3);
}

#[test]
fn only_measures_make_one_category() {
    let data = TileData {
        columns: vec![
            Column::measure("faturas.valor", "Valor total", "sum", Some("R$ #,##0.00")),
            Column::measure("faturas.orcado", "Valor orçado", "sum", Some("R$ #,##0.00")),
        ],
        rows: vec![vec![Value::from(1_234_567.891), Value::from(1_100_000.0)]],
    };
    let single = render_tile(TileKind::SingleValue, "Custo total", &data, &PT);
    // Shortened to fit its tile, whole in its title.
    assert!(single.contains("<p class=\"sv-value\" title=\"R$ 1.234.567,89\">R$ 1,2 mi</p>"), "{single}");
    let en = render_tile(TileKind::SingleValue, "Cost", &data, &EN);
    assert!(en.contains(">R$ 1.2M</p>"), "{en}");
    let small = TileData { columns: data.columns.clone(), rows: vec![vec![Value::from(806_512.3), Value::Null]] };
    let small = render_tile(TileKind::SingleValue, "Custo total", &small, &PT);
    assert!(small.contains("<p class=\"sv-value\">R$ 806.512,30</p>"), "under a million it fits as it is: {small}");
    assert!(single.contains("<p class=\"sv-label\">Valor total</p>"));
    let column = render_tile(TileKind::Column, "Custo", &data, &PT);
    assert_eq!(count(&column, "<rect class=\"mark "), 2);
    assert!(column.contains("<title>Total · Valor orçado: R$ 1.100.000,00</title>"), "{column}");
    let pie = render_tile(TileKind::Pie, "Custo", &data, &EN);
    assert!(pie.contains("<circle class=\"mark "), "one slice is a full circle");
}

#[test]
fn charts_without_measures_fall_back_to_a_table() {
    let data = TileData {
        columns: vec![Column::dimension("u.nome", "Unidade", "string"), Column::dimension("u.uf", "UF", "string")],
        rows: vec![vec![Value::from("Loja 1"), Value::from("SP")]],
    };
    for kind in CHARTS {
        let html = render_tile(kind, "Unidades", &data, &PT);
        assert!(html.contains("<table class=\"data\">"), "{kind:?}");
    }
}

#[test]
fn pie_skips_non_positive_values_and_groups_the_tail() {
    let data = by_unit(&["A", "B", "Zero", "Neg", "C"], &[50.0, 30.0, 0.0, -5.0, 20.0]);
    let html = render_tile(TileKind::Pie, "Fatias", &data, &PT);
    assert_eq!(count(&html, "<path class=\"mark "), 3);
    assert!(!html.contains(">Zero<") && !html.contains(">Neg<"));
    assert!(
        html.contains("<span class=\"legend-value\">R$ 50,00</span><span class=\"legend-pct\">50,0%</span>"),
        "{html}"
    );
    assert!(html.contains(">30,0%</text>"), "percentages on the slices");

    let names: Vec<String> = (1..=14).map(|i| format!("Loja {i}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let values: Vec<f64> = (1..=14).map(f64::from).collect();
    let html = render_tile(TileKind::Pie, "Fatias", &by_unit(&refs, &values), &PT);
    assert_eq!(count(&html, "<path class=\"mark "), 10);
    assert!(html.contains(">Outros</span>") && html.contains(">Loja 14</span>") && !html.contains(">Loja 5</span>"));

    let html = render_tile(TileKind::Pie, "Fatias", &by_unit(&["A"], &[0.0]), &EN);
    assert!(html.contains("No data"));
}

#[test]
fn pie_slices_link_to_their_rows_and_other_to_nothing() {
    let names: Vec<String> = (1..=12).map(|i| format!("Loja {i}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let values: Vec<f64> = (1..=12).map(f64::from).collect();
    let data = by_unit(&refs, &values);
    let links = |row: usize, col: usize| {
        Some(Link { href: format!("/drill?row={row}&col={col}"), label: format!("row {row}"), kind: LinkKind::Drill })
    };
    let html = render_tile_with_links(TileKind::Pie, "Fatias", &data, &PT, &links);
    // The nine largest slices are their rows (11 → Loja 12, …); "Outros" merges the rest, unlinked.
    assert_eq!(count(&html, "<a class=\"drill\""), 9, "{html}");
    assert!(html.contains("<a class=\"drill\" href=\"/drill?row=11&amp;col=1\" data-label=\"row 11\"><path"), "{html}");
    assert!(!html.contains("row=0&amp;") && !html.contains("row=2&amp;"), "merged rows are not linked");
    assert!(html.contains("<path class=\"mark s9\"") && !html.contains("<a class=\"drill\" href=\"/drill?row=2"));
}

#[test]
fn table_formats_and_aligns() {
    let html = render_tile(TileKind::Table, "Faturas", &monthly(3), &PT);
    assert!(html.contains("<th scope=\"col\">Mês</th><th scope=\"col\" class=\"num\">Valor da fatura</th>"), "{html}");
    assert!(html.contains("<tr><td>jan. 2023</td><td class=\"num\">R$ 1.000,00</td><td class=\"num\">5.000</td></tr>"));
    assert_eq!(count(&html, "<tr>"), 4);
    let many = render_tile(TileKind::Table, "Faturas", &monthly(500), &PT);
    assert_eq!(count(&many, "<tr>"), 501, "every row given is shown");
}

#[test]
fn empty_results_say_so_in_the_locale() {
    let mut data = monthly(0);
    for kind in all_kinds() {
        let pt = render_tile(kind, "Custo", &data, &PT);
        assert!(pt.contains("<p class=\"empty\">Sem dados</p>"), "{kind:?}: {pt}");
        assert!(pt.starts_with("<section class=\"tile tile-"));
        let en = render_tile(kind, "Cost", &data, &EN);
        assert!(en.contains("<p class=\"empty\">No data</p>"), "{kind:?}");
    }
    // Rows whose measures are all null draw no chart either.
    data.rows = vec![vec![Value::from("2025-01"), Value::Null, Value::Null]];
    for kind in CHARTS {
        assert!(render_tile(kind, "Custo", &data, &PT).contains("Sem dados"), "{kind:?}");
    }
    assert!(render_tile(TileKind::Table, "Custo", &TileData::default(), &PT).contains("Sem dados"));
}

#[test]
fn everything_from_data_is_escaped() {
    let evil = "<script>alert(1)</script>";
    let quote = r#"Loja "A" & 'B'"#;
    let data = TileData {
        columns: vec![
            Column::dimension("u.nome", evil, "string"),
            Column::measure("f.valor", &format!("{quote} {evil}"), "sum", Some(r##""<b>"#,##0"##)),
            Column::measure("f.outro", "Outro", "sum", None),
        ],
        rows: vec![
            vec![Value::from(evil), Value::from(1.0), Value::from(evil)],
            vec![Value::from(quote), Value::from(2.0), Value::from(3.0)],
        ],
    };
    for kind in all_kinds() {
        for title in [evil, quote] {
            let html = render_tile(kind, title, &data, &PT);
            assert!(!html.to_lowercase().contains("<script"), "{kind:?}: {html}");
            assert!(!html.contains("<b>"), "{kind:?}: format literals are escaped too");
            assert!(!html.contains(r#""A""#) && !html.contains("'B'") && !html.contains(" & "), "{kind:?}: {html}");
        }
        let html = render_tile(kind, evil, &data, &PT);
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "{kind:?}");
    }
}

#[test]
fn thirty_six_months_thin_out_their_labels() {
    for kind in [TileKind::Column, TileKind::Line, TileKind::Area] {
        let html = render_tile(kind, "Custo", &monthly(36), &PT);
        let labels = x_axis_labels(&html);
        assert!((4..=12).contains(&labels.len()), "{kind:?}: {} labels", labels.len());
        assert_eq!(labels[0].1, "jan.");
        for year in ["2023", "2024", "2025"] {
            assert_eq!(count(&html, &format!(">{year}</tspan>")), 1, "{kind:?}: {year} shown once");
        }
        // Horizontal labels, evenly thinned, with room between them.
        let width = |s: &str| s.chars().count() as f64 * 11.0 * 0.6;
        for pair in labels.windows(2) {
            let gap = pair[1].0 - pair[0].0 - (width(&pair[0].1) + width(&pair[1].1)) / 2.0;
            assert!(gap > 0.0, "{kind:?}: {pair:?} overlap");
        }
        assert!(!html.contains("rotate(-45"), "dates stay horizontal");
        // Every month still has its mark and tooltip.
        assert!(html.contains("dez. 2025 · Valor da fatura: R$ 6.250,00"), "{kind:?}");
    }
    // Long names are rotated and cut, with the full name on hover.
    let names: Vec<String> = (1..=20).map(|i| format!("Unidade consumidora número {i}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let html = render_tile(TileKind::Column, "Custo", &by_unit(&refs, &[10.0; 20]), &PT);
    assert!(html.contains("rotate(-45"));
    assert!(html.contains(">Unidade c…número 1<title>Unidade consumidora número 1</title></text>"), "{html}");
    // Many horizontal bars: the chart grows, labels thin out.
    let html = render_tile(TileKind::Bar, "Custo", &by_unit(&refs, &[10.0; 20]), &PT);
    assert_eq!(count(&html, "<rect class=\"mark "), 20);
}

#[test]
fn output_is_deterministic() {
    let data = monthly(36);
    for kind in all_kinds() {
        let a = render_tile(kind, "Custo", &data, &PT);
        let b = render_tile(kind, "Custo", &data.clone(), &Locale::from_tag("pt-BR"));
        assert_eq!(a, b, "{kind:?}");
    }
    let en = render_tile(TileKind::Column, "Cost", &monthly(3), &EN);
    assert!(en.contains(">Jan<tspan") && en.contains("R$ 1,300.00"), "{en}");
}

#[test]
fn a_single_value_compares_with_the_row_before() {
    use ponte_charts::{Comparison, TileOptions, render_tile_with};
    let data = TileData {
        columns: vec![
            Column::dimension("f.mes", "Mês", "date_month"),
            Column::measure("f.custo", "Custo", "sum", Some("R$ #,##0.00")),
        ],
        rows: vec![
            vec![Value::from("2025-10"), Value::from(1042.0)],
            vec![Value::from("2025-09"), Value::from(1000.0)],
        ],
    };
    let cost = Comparison { change: true, label: Some("vs mês anterior".into()), reverse_colors: true };
    let options = TileOptions { comparison: Some(&cost), ..TileOptions::plain() };
    let html = render_tile_with(TileKind::SingleValue, "Custo", &data, &PT, &options);
    assert!(html.contains("R$ 1.042,00"), "the newest row's value: {html}");
    assert!(
        html.contains(
            "<p class=\"sv-comparison sv-bad\"><span aria-hidden=\"true\">▲</span> +4,2% vs mês anterior</p>"
        ),
        "{html}"
    );
    let plain = Comparison { change: false, label: None, reverse_colors: false };
    let options = TileOptions { comparison: Some(&plain), ..TileOptions::plain() };
    let html = render_tile_with(TileKind::SingleValue, "Custo", &data, &PT, &options);
    assert!(html.contains("sv-good\"><span aria-hidden=\"true\">▲</span> R$ 1.000,00</p>"), "{html}");
}

#[test]
fn a_table_shows_the_totals_it_is_given() {
    use ponte_charts::{TileOptions, render_tile_with};
    let data = TileData {
        columns: vec![
            Column::dimension("f.status", "Status", "string"),
            Column::measure("f.custo", "Custo", "sum", Some("R$ #,##0.00")),
            Column::measure("f.unidades", "Unidades", "count_distinct", Some("#,##0")),
        ],
        rows: vec![
            vec![Value::from("paga"), Value::from(10.0), Value::from(3.0)],
            vec![Value::from("vencida"), Value::from(5.5), Value::from(2.0)],
        ],
    };
    // Distinct units over all rows: 4, not 3 + 2.
    let totals = [Value::Null, Value::from(15.5), Value::from(4.0)];
    let options = TileOptions { totals: Some(&totals), ..TileOptions::plain() };
    let html = render_tile_with(TileKind::Table, "Por status", &data, &PT, &options);
    assert!(
        html.contains("<tfoot>\n<tr class=\"totals\"><th scope=\"row\">Total</th><th scope=\"row\" class=\"num\">R$ 15,50</th><th scope=\"row\" class=\"num\">4</th></tr>"),
        "{html}"
    );
}

#[test]
fn a_column_chart_can_draw_a_series_as_a_line_on_a_right_axis() {
    use ponte_charts::{Combo, TileOptions, render_tile_with};
    let data = TileData {
        columns: vec![
            Column::dimension("f.mes", "Mês", "date_month"),
            Column::measure("f.custo", "Custo", "sum", Some("R$ #,##0.00")),
            Column::measure("f.kwh", "Consumo (kWh)", "sum", Some("#,##0")),
        ],
        rows: (1..=6)
            .map(|m| vec![Value::from(format!("2025-0{m}")), Value::from(1000.0 * m as f64), Value::from(5.0e6)])
            .collect(),
    };
    let combo = Combo { lines: vec!["f.kwh".into()], right_axis: vec!["f.kwh".into()] };
    let options = TileOptions { combo: Some(&combo), ..TileOptions::plain() };
    let html = render_tile_with(TileKind::Column, "Custo e consumo", &data, &PT, &options);
    assert_eq!(count(&html, "<rect class=\"mark "), 6, "columns for the cost only");
    assert_eq!(count(&html, "<circle class=\"mark s1\""), 6, "points for the consumption");
    assert!(html.contains("<polyline class=\"line-s1\""), "{html}");
    assert!(html.contains("y-axis-right") && html.contains(">5 mi</text>"), "the right axis carries kWh: {html}");
    assert!(html.contains(">R$ 6 mil</text>") || html.contains(">R$ 6.000</text>"), "the left axis carries R$: {html}");
}
