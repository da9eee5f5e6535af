//! Looker's `stacking` on column, bar and area charts: where each series'
//! marks end up, what the value axis covers, and what the tooltips say.

mod common;

use common::{Mark, close, count, marks, x_ticks, y_ticks};
use ponte_charts::{
    Column, Combo, Locale, Stacking, TileData, TileKind, TileOptions, Value, render_tile, render_tile_with,
};

const PT: Locale = Locale::PT_BR;

/// Paid and overdue invoices over three months; each month totals R$ 900,
/// R$ 900 and R$ 3.000, March's paid share is 40%.
fn paid_and_overdue() -> TileData {
    by_month(&[(400.0, 500.0), (300.0, 600.0), (1200.0, 1800.0)])
}

fn by_month(values: &[(f64, f64)]) -> TileData {
    TileData {
        columns: vec![
            Column::dimension("f.mes", "Mês", "date_month"),
            Column::measure("f.paga", "Paga", "sum", Some("R$ #,##0.00")),
            Column::measure("f.vencida", "Vencida", "sum", Some("R$ #,##0.00")),
        ],
        rows: values
            .iter()
            .enumerate()
            .map(|(i, (a, b))| vec![Value::from(format!("2025-0{}", i + 1)), Value::from(*a), Value::from(*b)])
            .collect(),
    }
}

fn stacked(kind: TileKind, stacking: Stacking, data: &TileData) -> String {
    render_tile_with(kind, "Faturas", data, &PT, &TileOptions { stacking, ..TileOptions::plain() })
}

/// The marks of series `s0` and `s1`.
fn two_series(marks: Vec<Mark>) -> (Vec<Mark>, Vec<Mark>) {
    marks.into_iter().partition(|m| m.series == "s0")
}

/// The y of the gridline labelled `label`.
fn tick_y(html: &str, label: &str) -> f64 {
    let ticks = y_ticks(html);
    ticks.iter().find(|(l, _)| l == label).unwrap_or_else(|| panic!("no {label} tick in {ticks:?}")).1
}

#[test]
fn normal_columns_stand_on_each_other_and_the_axis_covers_the_totals() {
    let data = paid_and_overdue();
    let html = stacked(TileKind::Column, Stacking::Normal, &data);
    let (paid, overdue) = two_series(marks(&html, "rect"));
    assert_eq!((paid.len(), overdue.len()), (3, 3));
    let zero = tick_y(&html, "R$ 0");
    for (p, o) in paid.iter().zip(&overdue) {
        assert!(close(p.bottom(), zero), "paid starts at zero: {p:?}");
        assert!(close(o.bottom(), p.y), "overdue starts where paid ends: {p:?} {o:?}");
        assert!(close(p.x, o.x) && close(p.width, o.width), "one column per month: {p:?} {o:?}");
    }
    // March's stack reaches its total, R$ 3.000, which grouped columns
    // (tallest R$ 1.800) never put on the axis.
    assert!(close(overdue[2].y, tick_y(&html, "R$ 3.000")), "{html}");
    let grouped = render_tile(TileKind::Column, "Faturas", &data, &PT);
    assert!(!grouped.contains(">R$ 3.000</text>"), "{grouped}");
    let (paid, overdue) = two_series(marks(&grouped, "rect"));
    assert!(paid[0].x < overdue[0].x, "grouped columns stand side by side");
    // Tooltips are the values, as when grouped.
    assert!(html.contains("<title>mar. 2025 · Paga: R$ 1.200,00</title>"), "{html}");
}

#[test]
fn negative_values_stack_downwards_from_zero() {
    let data = TileData {
        columns: vec![
            Column::dimension("f.uf", "UF", "string"),
            Column::measure("f.a", "A", "sum", None),
            Column::measure("f.b", "B", "sum", None),
            Column::measure("f.c", "C", "sum", None),
        ],
        rows: vec![vec![Value::from("SP"), Value::from(400.0), Value::from(-100.0), Value::from(200.0)]],
    };
    let html = stacked(TileKind::Column, Stacking::Normal, &data);
    let bars = marks(&html, "rect");
    let zero = tick_y(&html, "0");
    assert!(close(bars[0].bottom(), zero) && close(bars[1].y, zero), "B hangs below zero: {bars:?}");
    assert!(close(bars[2].bottom(), bars[0].y), "C goes on top of A, not of B: {bars:?}");
    assert!(html.contains(">600</text>") && html.contains(">-200</text>"), "the axis covers both sides: {html}");

    // A percent axis still reaches 100% when negatives take most of a
    // category, and goes below zero only as far as they do.
    let data = by_month(&[(300.0, -700.0)]);
    let html = stacked(TileKind::Column, Stacking::Percent, &data);
    let labels: Vec<String> = y_ticks(&html).into_iter().map(|(l, _)| l).collect();
    assert_eq!(labels, ["-100%", "-50%", "0%", "50%", "100%"], "{html}");
    assert!(html.contains("<title>jan. 2025 · Vencida: -R$ 700,00 (-70%)</title>"), "{html}");
}

#[test]
fn percent_columns_fill_a_0_to_100_axis_and_tooltips_give_shares() {
    let html = stacked(TileKind::Column, Stacking::Percent, &paid_and_overdue());
    let labels: Vec<String> = y_ticks(&html).into_iter().map(|(l, _)| l).collect();
    assert_eq!(labels, ["0%", "20%", "40%", "60%", "80%", "100%"]);
    let (paid, overdue) = two_series(marks(&html, "rect"));
    let (zero, full) = (tick_y(&html, "0%"), tick_y(&html, "100%"));
    for (p, o) in paid.iter().zip(&overdue) {
        assert!(close(p.bottom(), zero) && close(o.bottom(), p.y) && close(o.y, full), "{p:?} {o:?}");
    }
    assert!(close(paid[2].y, tick_y(&html, "40%")), "March: 40% paid");
    assert!(html.contains("<title>mar. 2025 · Paga: R$ 1.200,00 (40%)</title>"), "{html}");
    assert!(html.contains("<title>jan. 2025 · Vencida: R$ 500,00 (56%)</title>"), "{html}");
}

#[test]
fn bars_stack_along_the_value_axis() {
    let data = paid_and_overdue();
    let html = stacked(TileKind::Bar, Stacking::Normal, &data);
    let (paid, overdue) = two_series(marks(&html, "rect"));
    for (p, o) in paid.iter().zip(&overdue) {
        assert!(close(o.x, p.right()) && close(o.y, p.y), "{p:?} {o:?}");
    }
    let ticks = x_ticks(&html);
    let end = ticks.iter().find(|(l, _)| l == "R$ 3.000").expect("the total on the axis").1;
    assert!(close(overdue[2].right(), end), "{ticks:?}");

    let html = stacked(TileKind::Bar, Stacking::Percent, &data);
    let (_, overdue) = two_series(marks(&html, "rect"));
    let full = x_ticks(&html).into_iter().find(|(l, _)| l == "100%").expect("a 100% tick").1;
    assert!(overdue.iter().all(|o| close(o.right(), full)), "{overdue:?}");
}

/// The `(x, y)` pairs of the `points` of `<polyline class="line-{series}"`.
fn polyline(html: &str, series: &str) -> Vec<String> {
    let needle = format!("<polyline class=\"line-{series}\" points=\"");
    let start = html.find(&needle).expect("a line") + needle.len();
    html[start..start + html[start..].find('"').unwrap()].split(' ').map(str::to_owned).collect()
}

#[test]
fn areas_stack_as_bands() {
    let data = paid_and_overdue();
    let html = stacked(TileKind::Area, Stacking::Normal, &data);
    // The overdue band's floor is the paid line.
    let paid_line = polyline(&html, "s0");
    let band = &html[html.find("<path class=\"s1\" d=\"").expect("a band")..];
    let band = &band[..band.find("\"/>").unwrap()];
    for point in &paid_line {
        assert!(band.contains(point.as_str()), "{point} in {band}");
    }
    // Points sit on the tops of the stacks, with the values as tooltips.
    let overdue = marks(&html, "circle").into_iter().filter(|m| m.series == "s1").collect::<Vec<_>>();
    assert!(close(overdue[2].y, tick_y(&html, "R$ 3.000")));
    assert_eq!(overdue[2].title, "mar. 2025 · Vencida: R$ 1.800,00");

    let html = stacked(TileKind::Area, Stacking::Percent, &data);
    let full = tick_y(&html, "100%");
    for point in polyline(&html, "s1") {
        let y: f64 = point.split(',').nth(1).unwrap().parse().unwrap();
        assert!(close(y, full), "the top band ends at 100%: {point}");
    }
}

#[test]
fn lines_ignore_stacking_and_grouped_is_the_default() {
    let data = paid_and_overdue();
    let plain = render_tile(TileKind::Line, "Faturas", &data, &PT);
    for stacking in [Stacking::Normal, Stacking::Percent] {
        assert_eq!(stacked(TileKind::Line, stacking, &data), plain, "{stacking:?}");
    }
    assert_eq!(TileOptions::plain().stacking, Stacking::Grouped);
    assert_eq!(Stacking::default(), Stacking::Grouped);
    for kind in [TileKind::Column, TileKind::Bar, TileKind::Area] {
        let grouped = stacked(kind, Stacking::Grouped, &data);
        assert_eq!(grouped, render_tile(kind, "Faturas", &data, &PT), "{kind:?}");
        assert_ne!(grouped, stacked(kind, Stacking::Normal, &data), "{kind:?}");
    }
}

#[test]
fn a_combos_line_is_not_stacked_and_leaves_a_percent_axis() {
    let mut data = paid_and_overdue();
    data.columns.push(Column::measure("f.kwh", "Consumo (kWh)", "sum", Some("#,##0")));
    for row in &mut data.rows {
        row.push(Value::from(52_000.0));
    }
    let combo = Combo { lines: vec!["f.kwh".into()], right_axis: vec![] };
    let options = TileOptions { combo: Some(&combo), stacking: Stacking::Percent, ..TileOptions::plain() };
    let html = render_tile_with(TileKind::Column, "Faturas", &data, &PT, &options);
    assert_eq!(count(&html, "<rect class=\"mark "), 6, "columns for the two stacked series");
    assert_eq!(count(&html, "<circle class=\"mark s2\""), 3, "points for the line");
    assert!(html.contains("y-axis-right") && html.contains(">60 mil</text>"), "kWh on the right: {html}");
    assert!(html.contains("<title>mar. 2025 · Consumo (kWh): 52.000</title>"), "no share for the line: {html}");
    let (paid, overdue) = two_series(marks(&html, "rect"));
    assert!(close(paid[0].x, overdue[0].x), "the columns still stack");
}
