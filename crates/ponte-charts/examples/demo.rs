//! A demo dashboard page with every tile kind, on made-up energy invoices
//! of a Brazilian retailer (R$ costs, kWh consumption).
//!
//! ```sh
//! cargo run -p ponte-charts --example demo -- /tmp/ponte-demo.html pt-BR
//! ```
//!
//! Both arguments are optional (defaults: a file in the temp dir, `pt-BR`).
//! The `demo_page` test renders the same page and checks it is well formed.

use ponte_charts::{Column, Locale, TileData, TileKind, Value, escape_html, grid_placement, render_tile, stylesheet};

/// Months `2023-01`, `2023-02`, … as the server writes `date_month` values.
fn months(count: usize) -> Vec<String> {
    (0..count).map(|i| format!("{}-{:02}", 2023 + i / 12, i % 12 + 1)).collect()
}

/// A deterministic, seasonal-looking series (no RNG, so the page is stable).
fn seasonal(i: usize, base: f64, swing: f64) -> f64 {
    let x = i as f64;
    let value =
        base + swing * (x * std::f64::consts::TAU / 12.0).sin() + base * 0.004 * x + (x * 7.3).sin() * swing * 0.2;
    (value * 100.0).round() / 100.0
}

fn month_column() -> Column {
    Column::dimension("faturas.mes_referencia_month", "Mês de referência", "date_month")
}

fn cost_column() -> Column {
    Column::measure("faturas.valor_total", "Valor da fatura", "sum", Some("R$ #,##0.00"))
}

/// One tile of the demo dashboard.
pub struct DemoTile {
    /// How it is drawn.
    pub kind: TileKind,
    /// Its heading.
    pub title: &'static str,
    /// Its query result.
    pub data: TileData,
    /// Its Looker layout: row, col, width, height.
    pub layout: (u32, u32, u32, u32),
}

/// Each tile of the demo with its layout.
pub fn tiles() -> Vec<DemoTile> {
    let units = [
        "Loja 12 — Shopping Iguatemi São Paulo",
        "Centro de Distribuição Cajamar",
        "Loja 07 — Barra Shopping Rio de Janeiro",
        "Escritório Central (Av. Paulista)",
        "Loja 31 — BH Shopping",
        "Loja 44 — Shopping Recife",
        "Fábrica Joinville",
        "Loja 02 — Curitiba Centro",
    ];
    let single = TileData { columns: vec![cost_column()], rows: vec![vec![Value::from(1_234_567.891)]] };
    let column = TileData {
        columns: vec![month_column(), cost_column()],
        rows: months(12)
            .into_iter()
            .enumerate()
            .map(|(i, m)| vec![Value::from(m), Value::from(seasonal(i, 98_000.0, 14_000.0))])
            .collect(),
    };
    let line = TileData {
        columns: vec![
            month_column(),
            Column::measure("faturas.consumo_ponta", "Consumo na ponta (kWh)", "sum", Some("#,##0")),
            Column::measure("faturas.consumo_fora_ponta", "Consumo fora da ponta (kWh)", "sum", Some("#,##0")),
        ],
        rows: months(36)
            .into_iter()
            .enumerate()
            .map(|(i, m)| {
                vec![
                    Value::from(m),
                    Value::from(seasonal(i, 42_000.0, 6_000.0).round()),
                    Value::from(seasonal(i + 3, 155_000.0, 21_000.0).round()),
                ]
            })
            .collect(),
    };
    let area = TileData {
        columns: vec![
            month_column(),
            Column::measure("faturas.demanda_medida", "Demanda medida (kW)", "max", Some("#,##0.0")),
            Column::measure("faturas.demanda_contratada", "Demanda contratada (kW)", "max", Some("#,##0.0")),
        ],
        rows: months(24)
            .into_iter()
            .enumerate()
            .map(|(i, m)| {
                let measured = if i == 9 { Value::Null } else { Value::from(seasonal(i, 820.0, 90.0)) };
                vec![Value::from(m), measured, Value::from(if i < 12 { 900.0 } else { 950.0 })]
            })
            .collect(),
    };
    let bar = TileData {
        columns: vec![Column::dimension("unidades.nome", "Unidade consumidora", "string"), cost_column()],
        rows: units
            .iter()
            .enumerate()
            .map(|(i, u)| vec![Value::from(*u), Value::from(seasonal(i * 5, 61_000.0, 38_000.0))])
            .collect(),
    };
    let pie = TileData {
        columns: vec![
            Column::dimension("distribuidoras.nome", "Distribuidora", "string"),
            Column::measure("faturas.consumo_total", "Consumo total (kWh)", "sum", Some("#,##0")),
        ],
        rows: [
            ("Enel SP", 912_400.0),
            ("CEMIG", 401_250.0),
            ("Light", 288_900.0),
            ("Copel", 190_300.0),
            ("CPFL Paulista", 120_000.0),
            ("Celesc", 35_500.0),
            ("Coelba", 0.0),
        ]
        .iter()
        .map(|(n, v)| vec![Value::from(*n), Value::from(*v)])
        .collect(),
    };
    let table = TileData {
        columns: vec![
            Column { value_format: Some("0".into()), ..Column::dimension("faturas.id_fatura", "Fatura", "number") },
            Column::dimension("unidades.nome", "Unidade", "string"),
            month_column(),
            Column::dimension("faturas.vencimento_date", "Vencimento", "date"),
            Column::measure("faturas.consumo", "Consumo (kWh)", "sum", Some("#,##0")),
            cost_column(),
            Column::dimension("faturas.paga", "Paga", "yesno"),
        ],
        rows: (0..8)
            .map(|i| {
                vec![
                    Value::from(202_500_100 + i as i64),
                    Value::from(units[i]),
                    Value::from(format!("2025-{:02}", 12 - i / 3)),
                    Value::from(format!("2026-{:02}-{:02}", 1 + i / 4, 5 + i * 3)),
                    Value::from(seasonal(i * 4, 18_400.0, 6_100.0).round()),
                    if i == 5 { Value::Null } else { Value::from(seasonal(i * 4, 16_900.0, 5_800.0)) },
                    Value::from(if i % 3 == 0 { "No" } else { "Yes" }),
                ]
            })
            .collect(),
    };
    // Cost against consumption per unit: the tariff shows as the slope, a
    // unit off the line is worth a look.
    let scatter = TileData {
        columns: vec![
            Column::dimension("unidades.nome", "Unidade consumidora", "string"),
            Column::measure("faturas.consumo_total", "Consumo (kWh)", "sum", Some("#,##0")),
            cost_column(),
        ],
        rows: (0..16)
            .map(|i| {
                let kwh = seasonal(i * 5, 60_000.0, 45_000.0).round();
                let tariff = if i == 11 { 1.18 } else { 0.82 + 0.04 * (i as f64 * 1.7).sin() };
                vec![
                    Value::from(format!("Unidade {:02}", i + 1)),
                    Value::from(kwh),
                    Value::from((kwh * tariff).round()),
                ]
            })
            .collect(),
    };
    let funnel = TileData {
        columns: vec![
            Column::dimension("faturas.etapa", "Etapa", "string"),
            Column::measure("faturas.quantidade", "Faturas", "count", Some("#,##0")),
        ],
        rows: [("Emitidas", 1240), ("Recebidas", 1187), ("Validadas", 1032), ("Aprovadas", 905), ("Pagas", 768)]
            .iter()
            .map(|(step, n)| vec![Value::from(*step), Value::from(*n as i64)])
            .collect(),
    };
    [
        (TileKind::SingleValue, "Custo total", single, (0, 0, 6, 4)),
        (TileKind::Column, "Custo mensal", column, (0, 6, 18, 8)),
        (TileKind::Line, "Consumo mensal — ponta e fora da ponta", line, (8, 0, 12, 8)),
        (TileKind::Area, "Demanda medida × contratada", area, (8, 12, 12, 8)),
        (TileKind::Bar, "Custo por unidade consumidora (último mês)", bar, (16, 0, 12, 8)),
        (TileKind::Pie, "Consumo por distribuidora", pie, (16, 12, 12, 8)),
        (TileKind::Scatter, "Consumo × custo por unidade", scatter, (24, 0, 12, 8)),
        (TileKind::Funnel, "Faturas do mês, da emissão ao pagamento", funnel, (24, 12, 12, 8)),
        (TileKind::Table, "Faturas recentes", table, (32, 0, 24, 8)),
    ]
    .into_iter()
    .map(|(kind, title, data, layout)| DemoTile { kind, title, data, layout })
    .collect()
}

/// The whole HTML page in `locale`: the stylesheet inline and one grid cell
/// per tile.
pub fn page(locale: &Locale) -> String {
    let mut html = format!(
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>\n{}body {{ margin: 0; background: #f3f4f6; }}\n</style>\n</head>\n<body>\n<main class=\"grid\">\n",
        locale.tag(),
        escape_html("Energia — faturas"),
        stylesheet()
    );
    for tile in tiles() {
        let (row, col, width, height) = tile.layout;
        html.push_str(&format!("<div style=\"{}\">\n", grid_placement(row, col, width, height)));
        html.push_str(&render_tile(tile.kind, tile.title, &tile.data, locale));
        html.push_str("</div>\n");
    }
    html.push_str("</main>\n</body>\n</html>\n");
    html
}

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let path = args.next().map_or_else(|| std::env::temp_dir().join("ponte-charts-demo.html"), Into::into);
    let locale = Locale::from_tag(&args.next().unwrap_or_else(|| "pt-BR".to_owned()));
    std::fs::write(&path, page(&locale))?;
    println!("{}", path.display());
    Ok(())
}
