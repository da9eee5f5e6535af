//! Looker's `pivots`: a dimension spread into one column per value, and
//! the maps back to the original cells that links need.

mod common;

use common::{count, marks};
use ponte_charts::{
    Column, Link, LinkKind, Locale, MAX_PIVOT_VALUES, TileData, TileKind, TileOptions, Value, pivot, render_tile_with,
};

const PT: Locale = Locale::PT_BR;
const EN: Locale = Locale::EN_US;

fn value_column() -> Column {
    Column::measure("f.valor", "Valor", "sum", Some("R$ #,##0.00"))
}

/// Cost by month and status, in the warehouse's order (not sorted by
/// status); February has nothing overdue.
fn by_month_and_status() -> TileData {
    let rows = [
        ("2025-01", "Vencida", 50.0),
        ("2025-01", "Paga", 100.0),
        ("2025-02", "Paga", 120.0),
        ("2025-01", "Aberta", 30.0),
        ("2025-03", "Vencida", 70.0),
        ("2025-03", "Aberta", 10.0),
        ("2025-03", "Paga", 90.0),
        ("2025-02", "Aberta", 40.0),
    ];
    TileData {
        columns: vec![
            Column::dimension("f.mes", "Mês", "date_month"),
            Column::dimension("f.status", "Status", "string"),
            value_column(),
        ],
        rows: rows.iter().map(|(m, s, v)| vec![Value::from(*m), Value::from(*s), Value::from(*v)]).collect(),
    }
}

fn names(data: &TileData) -> Vec<(&str, &str)> {
    data.columns.iter().map(|c| (c.name.as_str(), c.label.as_str())).collect()
}

#[test]
fn a_pivot_becomes_one_column_per_value_in_order() {
    let data = by_month_and_status();
    let p = pivot(&data, &["f.status".to_owned()], &PT);
    assert_eq!(
        names(&p.data),
        [("f.mes", "Mês"), ("f.valor", "Aberta"), ("f.valor", "Paga"), ("f.valor", "Vencida")],
        "statuses sorted, the measure's name kept"
    );
    for column in &p.data.columns[1..] {
        assert!(column.is_measure && column.field_type == "sum");
        assert_eq!(column.value_format.as_deref(), Some("R$ #,##0.00"));
    }
    assert_eq!(
        p.data.rows,
        [
            vec![Value::from("2025-01"), Value::from(30.0), Value::from(100.0), Value::from(50.0)],
            vec![Value::from("2025-02"), Value::from(40.0), Value::from(120.0), Value::Null],
            vec![Value::from("2025-03"), Value::from(10.0), Value::from(90.0), Value::from(70.0)],
        ],
        "months in order of first appearance, nothing overdue in February"
    );
    assert_eq!(
        p.origin,
        [
            vec![Some(0), Some(3), Some(1), Some(0)],
            vec![Some(2), Some(7), Some(2), None],
            vec![Some(4), Some(5), Some(6), Some(4)],
        ]
    );
    assert_eq!(p.source_column, [0, 2, 2, 2]);
}

#[test]
fn several_measures_are_labelled_by_measure_then_grouped_by_pivot_value() {
    let mut data = by_month_and_status();
    data.columns.push(Column::measure("f.qtd", "Faturas", "count", Some("#,##0")));
    for (i, row) in data.rows.iter_mut().enumerate() {
        row.push(Value::from(i as i64 + 1));
    }
    let p = pivot(&data, &["f.status".to_owned()], &PT);
    let labels: Vec<&str> = p.data.columns.iter().map(|c| c.label.as_str()).collect();
    assert_eq!(
        labels,
        [
            "Mês",
            "Valor · Aberta",
            "Faturas · Aberta",
            "Valor · Paga",
            "Faturas · Paga",
            "Valor · Vencida",
            "Faturas · Vencida"
        ]
    );
    assert_eq!(p.source_column, [0, 2, 3, 2, 3, 2, 3]);
    assert_eq!(p.data.rows[0][2], Value::from(4), "January's open invoices: the fourth row's count");
}

#[test]
fn numbers_sort_numerically_then_text_and_nulls_last() {
    let data = TileData {
        columns: vec![
            Column::dimension("f.uf", "UF", "string"),
            Column::dimension("f.faixa", "Faixa", "number"),
            Column::measure("f.n", "N", "count", None),
        ],
        rows: [Value::from(10.0), Value::Null, Value::from(9.0), Value::from("100"), Value::from(-1.0)]
            .into_iter()
            .enumerate()
            .map(|(i, faixa)| vec![Value::from("SP"), faixa, Value::from(i as i64)])
            .collect(),
    };
    let p = pivot(&data, &["f.faixa".to_owned()], &PT);
    let labels: Vec<&str> = p.data.columns.iter().map(|c| c.label.as_str()).collect();
    assert_eq!(labels, ["UF", "-1", "9", "10", "100", "—"], "100 after 10 though it came as text; null last");
    assert_eq!(p.data.rows.len(), 1);
}

#[test]
fn pivot_values_are_written_in_the_locale_and_several_pivots_join() {
    let data = TileData {
        columns: vec![
            Column::dimension("f.uf", "UF", "string"),
            Column::dimension("f.mes", "Mês", "date_month"),
            Column::dimension("f.status", "Status", "string"),
            value_column(),
        ],
        rows: vec![
            vec![Value::from("SP"), Value::from("2025-03"), Value::from("Paga"), Value::from(1.0)],
            vec![Value::from("SP"), Value::from("2025-01"), Value::from("Paga"), Value::from(2.0)],
            vec![Value::from("RJ"), Value::from("2025-01"), Value::from("Aberta"), Value::from(3.0)],
        ],
    };
    let pivots = ["f.mes".to_owned(), "f.status".to_owned()];
    let pt = pivot(&data, &pivots, &PT);
    let labels: Vec<&str> = pt.data.columns.iter().map(|c| c.label.as_str()).collect();
    assert_eq!(labels, ["UF", "jan. 2025 · Aberta", "jan. 2025 · Paga", "mar. 2025 · Paga"]);
    let en = pivot(&data, &pivots, &EN);
    assert_eq!(en.data.columns[1].label, "Jan 2025 · Aberta");
    assert_eq!(pt.data.rows[1], [Value::from("RJ"), Value::from(3.0), Value::Null, Value::Null]);
}

#[test]
fn at_most_fifty_pivot_values_are_spread() {
    let data = TileData {
        columns: vec![
            Column::dimension("f.uf", "UF", "string"),
            Column::dimension("f.loja", "Loja", "number"),
            Column::measure("f.n", "N", "count", None),
        ],
        // Stores 79 down to 0: the 50 lowest are kept, whatever the order.
        rows: (0..80)
            .rev()
            .map(|i| vec![Value::from(if i < 70 { "SP" } else { "RJ" }), Value::from(i as i64), Value::from(1)])
            .collect(),
    };
    let p = pivot(&data, &["f.loja".to_owned()], &PT);
    assert_eq!(MAX_PIVOT_VALUES, 50);
    assert_eq!(p.data.columns.len(), 1 + 50);
    assert_eq!(p.data.columns[1].label, "0");
    assert_eq!(p.data.columns[50].label, "49");
    // RJ's stores (70–79) were all dropped, and with them its row.
    assert_eq!(p.data.rows.len(), 1);
    assert_eq!(p.data.rows[0][0], Value::from("SP"));
    assert_eq!(p.origin[0][1], Some(79), "store 0 is the last row");
}

#[test]
fn without_a_pivot_in_the_result_the_data_is_unchanged() {
    let data = by_month_and_status();
    for pivots in [vec![], vec!["f.outro".to_owned()], vec!["f.valor".to_owned()]] {
        let p = pivot(&data, &pivots, &PT);
        assert_eq!(p.data, data, "{pivots:?}: a measure is never a pivot");
        assert_eq!(p.source_column, [0, 1, 2]);
        assert_eq!(p.origin.len(), data.rows.len());
        assert!(p.origin.iter().enumerate().all(|(r, row)| row == &vec![Some(r); 3]));
    }
}

#[test]
fn a_pivoted_chart_has_a_series_per_value_and_links_to_the_original_rows() {
    let data = by_month_and_status();
    let p = pivot(&data, &["f.status".to_owned()], &PT);
    // What the server does: name the clicked cell's original row.
    let links = |row: usize, col: usize| {
        let original = p.origin[row][col]?;
        let Value::Text(status) = &data.rows[original][1] else { return None };
        Some(Link {
            href: format!("/drill?row={original}&status={status}"),
            label: status.clone(),
            kind: LinkKind::Drill,
        })
    };
    let options = TileOptions { links: &links, ..TileOptions::plain() };
    let html = render_tile_with(TileKind::Column, "Por status", &p.data, &PT, &options);
    assert!(html.contains("<ul class=\"legend\">"), "{html}");
    for status in ["Aberta", "Paga", "Vencida"] {
        assert!(html.contains(&format!("<span>{status}</span>")), "{status} in the legend");
    }
    assert_eq!(count(&html, "<rect class=\"mark "), 8, "one column per original row");
    assert!(html.contains("<title>fev. 2025 · Paga: R$ 120,00</title>"), "{html}");
    assert!(html.contains("href=\"/drill?row=2&amp;status=Paga\""), "{html}");
    assert_eq!(marks(&html, "rect").iter().filter(|m| m.series == "s2").count(), 2, "no overdue column in February");
}
