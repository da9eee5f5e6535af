//! Scatter (`looker_scatter`) and funnel (`looker_funnel`) tiles: where
//! the marks are, what they say, where they link, and when they give way
//! to a table.

mod common;

use common::{close, count, marks, x_ticks, y_ticks};
use ponte_charts::{
    Column, Link, LinkKind, Locale, TileData, TileKind, TileOptions, Value, render_tile, render_tile_with,
};

const PT: Locale = Locale::PT_BR;
const EN: Locale = Locale::EN_US;

/// A link per mark that names its cell, to check which cell a mark links.
fn cell_links(row: usize, col: usize) -> Option<Link> {
    Some(Link { href: format!("/drill?row={row}&col={col}"), label: format!("{row}/{col}"), kind: LinkKind::Drill })
}

/// Consumption, cost and taxes of five stores.
fn stores() -> TileData {
    TileData {
        columns: vec![
            Column::dimension("u.nome", "Loja", "string"),
            Column::measure("f.kwh", "Consumo (kWh)", "sum", Some("#,##0")),
            Column::measure("f.valor", "Valor", "sum", Some("R$ #,##0.00")),
            Column::measure("f.impostos", "Impostos", "sum", Some("R$ #,##0.00")),
        ],
        rows: (1..=5)
            .map(|i| {
                let kwh = 1000.0 * i as f64;
                vec![Value::from(format!("Loja {i}")), Value::from(kwh), Value::from(kwh * 0.9), Value::from(kwh * 0.2)]
            })
            .collect(),
    }
}

#[test]
fn a_scatter_plots_later_measures_against_the_first() {
    let html = render_tile(TileKind::Scatter, "Custo × consumo", &stores(), &PT);
    let points = marks(&html, "circle");
    assert_eq!(points.len(), 10, "five stores, two series");
    assert_eq!(points.iter().filter(|p| p.series == "s1").count(), 5);
    assert!(html.contains("<title>Loja 3 · Consumo (kWh): 3.000, Valor: R$ 2.700,00</title>"), "{html}");
    assert!(html.contains("<title>Loja 3 · Consumo (kWh): 3.000, Impostos: R$ 600,00</title>"), "{html}");
    // More consumption lies further right, more cost higher up, on the axes' scales.
    let cost: Vec<_> = points.iter().filter(|p| p.series == "s0").collect();
    assert!(cost.windows(2).all(|w| w[1].x > w[0].x && w[1].y < w[0].y), "{cost:?}");
    let x = x_ticks(&html);
    let at = |label: &str| x.iter().find(|(l, _)| l == label).unwrap_or_else(|| panic!("{label} in {x:?}")).1;
    assert!(close(cost[1].x, at("2.000")) && close(cost[3].x, at("4.000")), "{x:?} {cost:?}");
    let y = y_ticks(&html);
    assert_eq!(y.first().map(|t| t.0.as_str()), Some("R$ 0"));
    assert!(close(cost[0].y - y[0].1, (y[1].1 - y[0].1) * 900.0 / 1000.0), "Loja 1 at R$ 900 on {y:?}");
    // Axis titles, a legend for two series, a description.
    assert!(html.contains("class=\"axis-title\" x=\"") && html.contains(">Consumo (kWh)</text>"));
    assert!(html.contains("<span>Valor</span>") && html.contains("<span>Impostos</span>"));
    assert!(html.contains(
        "aria-label=\"Custo × consumo — Gráfico de dispersão: Valor e Impostos por Consumo (kWh), 10 pontos\""
    ));
}

#[test]
fn a_scatter_links_each_point_to_its_row_and_y_column() {
    let options = TileOptions { links: &cell_links, ..TileOptions::plain() };
    let html = render_tile_with(TileKind::Scatter, "Custo", &stores(), &EN, &options);
    assert_eq!(count(&html, "<a class=\"drill\""), 10);
    assert!(html.contains("href=\"/drill?row=4&amp;col=3\" data-label=\"4/3\"><circle class=\"mark s1\""), "{html}");
    assert!(!html.contains("col=1\""), "the x column is not a series");
}

#[test]
fn a_scatter_takes_a_number_dimension_as_x_and_skips_nulls() {
    let data = TileData {
        columns: vec![
            Column::dimension("f.faixa", "Faixa de demanda (kW)", "number"),
            Column::measure("f.valor", "Valor", "sum", Some("R$ #,##0.00")),
        ],
        rows: vec![
            vec![Value::from(100.0), Value::from(10.0)],
            vec![Value::from(200.0), Value::Null],
            vec![Value::Null, Value::from(30.0)],
            vec![Value::from(400.0), Value::from(40.0)],
        ],
    };
    let html = render_tile(TileKind::Scatter, "Valor por faixa", &data, &PT);
    assert_eq!(count(&html, "<circle class=\"mark s0\""), 2, "only rows with both numbers: {html}");
    assert!(html.contains("<title>Faixa de demanda (kW): 400, Valor: R$ 40,00</title>"), "no category, no prefix");
    assert!(!html.contains("class=\"legend\""), "no legend for one series");
    assert!(
        html.contains("transform=\"rotate(-90)\"") && html.contains(">Valor</text>"),
        "one series names the y axis"
    );
}

#[test]
fn a_scatter_without_two_numbers_is_a_table() {
    let data = TileData {
        columns: vec![Column::dimension("u.nome", "Loja", "string"), Column::measure("f.valor", "Valor", "sum", None)],
        rows: vec![vec![Value::from("Loja 1"), Value::from(1.0)]],
    };
    let html = render_tile(TileKind::Scatter, "Valor", &data, &PT);
    assert!(html.starts_with("<section class=\"tile tile-scatter\">") && html.contains("<table class=\"data\">"));
    assert!(!html.contains("<svg"));
}

/// Invoices through their steps; the overdue step has no count.
fn steps() -> TileData {
    TileData {
        columns: vec![
            Column::dimension("f.etapa", "Etapa", "string"),
            Column::measure("f.qtd", "Faturas", "count", Some("#,##0")),
        ],
        rows: [("Emitidas", Some(1000.0)), ("Vencidas", None), ("Aprovadas", Some(620.0)), ("Pagas", Some(310.0))]
            .iter()
            .map(|(step, n)| vec![Value::from(*step), n.map_or(Value::Null, Value::from)])
            .collect(),
    }
}

#[test]
fn a_funnel_narrows_with_each_steps_share_of_the_first() {
    let html = render_tile(TileKind::Funnel, "Faturas", &steps(), &PT);
    let bars = marks(&html, "rect");
    assert_eq!(bars.len(), 3, "the null step is skipped");
    let centre = bars[0].x + bars[0].width / 2.0;
    for bar in &bars {
        assert!(close(bar.x + bar.width / 2.0, centre), "centred: {bar:?}");
        assert!(bar.y > 0.0 && bar.height > 0.0);
    }
    assert!(bars.windows(2).all(|w| w[1].y > w[0].y), "steps go down the page");
    assert!((bars[1].width / bars[0].width - 0.62).abs() < 0.01, "{bars:?}");
    assert!((bars[2].width / bars[0].width - 0.31).abs() < 0.01, "{bars:?}");
    assert_eq!(bars[1].title, "Aprovadas: 620 (62%)");
    for text in [
        ">Emitidas</text>",
        ">Pagas</text>",
        ">1.000</text>",
        ">310</text>",
        ">100%</text>",
        ">62%</text>",
        ">31%</text>",
    ] {
        assert!(html.contains(text), "{text}: {html}");
    }
    assert!(!html.contains("Vencidas"), "{html}");
    assert!(html.contains("aria-label=\"Faturas — Gráfico de funil: Faturas por Etapa, 3 etapas\""), "{html}");
}

#[test]
fn a_funnel_links_each_step_to_its_row() {
    let options = TileOptions { links: &cell_links, ..TileOptions::plain() };
    let html = render_tile_with(TileKind::Funnel, "Faturas", &steps(), &EN, &options);
    assert_eq!(count(&html, "<a class=\"drill\""), 3);
    assert!(html.contains("href=\"/drill?row=2&amp;col=1\" data-label=\"2/1\"><rect class=\"mark s0\""), "{html}");
    assert!(html.contains("<title>Aprovadas: 620 (62%)</title>") && html.contains(">1,000</text>"), "{html}");
}

#[test]
fn a_funnel_of_one_row_reads_its_measures_across() {
    let data = TileData {
        columns: vec![
            Column::measure("f.emitidas", "Emitidas", "count", Some("#,##0")),
            Column::measure("f.pagas", "Pagas", "count", Some("#,##0")),
            Column::measure("f.em_dia", "Pagas em dia", "count", Some("#,##0")),
        ],
        rows: vec![vec![Value::from(2000.0), Value::from(1500.0), Value::from(500.0)]],
    };
    let options = TileOptions { links: &cell_links, ..TileOptions::plain() };
    let html = render_tile_with(TileKind::Funnel, "Faturas", &data, &PT, &options);
    let bars = marks(&html, "rect");
    assert_eq!(bars.len(), 3, "a step per measure: {html}");
    assert!((bars[1].width / bars[0].width - 0.75).abs() < 0.01 && (bars[2].width / bars[0].width - 0.25).abs() < 0.01);
    assert_eq!(bars[2].title, "Pagas em dia: 500 (25%)");
    assert!(html.contains("href=\"/drill?row=0&amp;col=2\""), "each step links its own measure: {html}");
    assert!(html.contains(">Pagas</text>") && html.contains(">75%</text>"));
    // A single measure is still a one-step funnel of its row.
    let one = TileData { columns: data.columns[..1].to_vec(), rows: vec![vec![Value::from(2000.0)]] };
    assert_eq!(marks(&render_tile(TileKind::Funnel, "F", &one, &PT), "rect").len(), 1);
}

#[test]
fn a_funnel_scales_to_its_largest_step() {
    let data = TileData {
        columns: steps().columns,
        rows: vec![
            vec![Value::from("Visitas"), Value::from(0.0)],
            vec![Value::from("Cadastros"), Value::from(400.0)],
            vec![Value::from("Compras"), Value::from(100.0)],
        ],
    };
    let html = render_tile(TileKind::Funnel, "Conversão", &data, &PT);
    let bars = marks(&html, "rect");
    assert_eq!(bars[0].width, 0.0, "nothing at zero");
    assert!((bars[2].width / bars[1].width - 0.25).abs() < 0.01, "{bars:?}");
    assert!(!html.contains('%'), "no shares of a first step of zero: {html}");
    assert_eq!(bars[2].title, "Compras: 100");
}

#[test]
fn a_funnel_without_a_measure_is_a_table() {
    let data = TileData {
        columns: vec![Column::dimension("f.etapa", "Etapa", "string")],
        rows: vec![vec![Value::from("Emitidas")]],
    };
    let html = render_tile(TileKind::Funnel, "Etapas", &data, &PT);
    assert!(html.starts_with("<section class=\"tile tile-funnel\">") && html.contains("<table class=\"data\">"));
}
