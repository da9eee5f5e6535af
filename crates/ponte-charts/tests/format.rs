//! Numbers and dates in pt-BR and en-US, as the demo's model formats them.

use ponte_charts::{Column, Locale, Value, format_value};

const PT: Locale = Locale::PT_BR;
const EN: Locale = Locale::EN_US;

fn measure(format: Option<&str>) -> Column {
    Column::measure("faturas.valor", "Valor", "sum", format)
}

fn num(n: f64, format: Option<&str>, locale: &Locale) -> String {
    format_value(&Value::Number(n), &measure(format), locale)
}

fn date(text: &str, field_type: &str, locale: &Locale) -> String {
    format_value(&Value::from(text), &Column::dimension("f.d", "D", field_type), locale)
}

#[test]
fn currency_with_grouping_and_decimals() {
    assert_eq!(num(1_234_567.891, Some("R$ #,##0.00"), &PT), "R$ 1.234.567,89");
    assert_eq!(num(1_234_567.891, Some("R$ #,##0.00"), &EN), "R$ 1,234,567.89");
    assert_eq!(num(0.5, Some("R$ #,##0.00"), &PT), "R$ 0,50");
    assert_eq!(num(12.3456, Some("R$ #,##0.0000"), &PT), "R$ 12,3456");
    assert_eq!(num(1234.5, Some("$#,##0.00"), &EN), "$1,234.50");
}

#[test]
fn integers_decimals_and_percentages() {
    assert_eq!(num(1_234_567.891, Some("#,##0"), &PT), "1.234.568");
    assert_eq!(num(1_234_567.891, Some("#,##0"), &EN), "1,234,568");
    assert_eq!(num(1234.56, Some("#,##0.0"), &PT), "1.234,6");
    assert_eq!(num(1234.56, Some("0"), &PT), "1235");
    assert_eq!(num(0.1234, Some("0.0%"), &PT), "12,3%");
    assert_eq!(num(0.1234, Some("0.0%"), &EN), "12.3%");
    assert_eq!(num(1.5, Some("0%"), &PT), "150%");
    assert_eq!(num(1234.5, Some(r#"#,##0.0" kWh""#), &PT), "1.234,5 kWh");
}

#[test]
fn negatives() {
    assert_eq!(num(-1234.5, Some("R$ #,##0.00"), &PT), "-R$ 1.234,50");
    assert_eq!(num(-1234.5, Some("#,##0"), &EN), "-1,235");
    assert_eq!(num(-0.1234, Some("0.0%"), &PT), "-12,3%");
    assert_eq!(num(-0.001, Some("#,##0.00"), &PT), "0,00", "no minus on a zero");
    assert_eq!(num(-7.0, None, &PT), "-7");
    assert_eq!(num(-1234.5, None, &PT), "-1.234,5");
}

#[test]
fn without_a_format_integers_stay_integers() {
    assert_eq!(num(1_234_567.0, None, &PT), "1.234.567");
    assert_eq!(num(1_234_567.0, None, &EN), "1,234,567");
    assert_eq!(num(42.0, None, &PT), "42");
    assert_eq!(num(1234.5678, None, &PT), "1.234,57");
    assert_eq!(num(2.5, None, &EN), "2.5");
    assert_eq!(num(0.012345, None, &PT), "0,0123");
    assert_eq!(num(0.0, None, &PT), "0");
    assert_eq!(num(f64::NAN, None, &PT), "—");
    // Numbers that arrive as text (decimals from some drivers) are numbers.
    assert_eq!(format_value(&Value::from("1234.5"), &measure(Some("R$ #,##0.00")), &PT), "R$ 1.234,50");
}

#[test]
fn months_quarters_years_and_dates() {
    assert_eq!(date("2025-03", "date_month", &PT), "mar. 2025");
    assert_eq!(date("2025-03", "date_month", &EN), "Mar 2025");
    let pt: Vec<String> = (1..=12).map(|m| date(&format!("2025-{m:02}"), "date_month", &PT)).collect();
    assert_eq!(pt.join(" ").replace(" 2025", ""), "jan. fev. mar. abr. mai. jun. jul. ago. set. out. nov. dez.");
    assert_eq!(date("2025-Q1", "date_quarter", &PT), "1º tri. 2025");
    assert_eq!(date("2025-Q4", "date_quarter", &EN), "Q4 2025");
    assert_eq!(date("2025", "date_year", &PT), "2025");
    let year = Column::dimension("f.ano", "Ano", "date_year");
    assert_eq!(format_value(&Value::Number(2025.0), &year, &PT), "2025", "years are not grouped");
    assert_eq!(date("2025-03-14", "date", &PT), "14/03/2025");
    assert_eq!(date("2025-03-14", "date", &EN), "03/14/2025");
    assert_eq!(date("2025-03-10", "date_week", &PT), "10/03/2025");
    assert_eq!(date("2025-03-14 18:30:00", "time", &PT), "14/03/2025 18:30");
    assert_eq!(date("sem data", "date", &PT), "sem data", "unknown shapes are kept");
}

#[test]
fn nulls_yes_no_and_text() {
    assert_eq!(format_value(&Value::Null, &measure(Some("R$ #,##0.00")), &PT), "—");
    assert_eq!(format_value(&Value::Null, &Column::dimension("f.d", "D", "date_month"), &EN), "—");
    let yesno = Column::dimension("f.paga", "Paga", "yesno");
    assert_eq!(format_value(&Value::from("Yes"), &yesno, &PT), "Yes");
    let code = Column::dimension("f.codigo", "Código", "string");
    assert_eq!(format_value(&Value::from("0012"), &code, &PT), "0012", "string dimensions are not numbers");
    assert_eq!(format_value(&Value::from("<b>"), &code, &PT), "<b>", "escaping is the renderer's job");
}
