//! The conventions and words of the model's locale.

/// How a date's parts are ordered when written with numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DateOrder {
    /// 14/03/2025.
    DayMonthYear,
    /// 03/14/2025.
    MonthDayYear,
}

/// The conventions of a model's `locale` (separators, month names, date
/// order) and the few words tiles print ("No data", chart names for screen
/// readers), so a Brazilian portal reads `R$ 1.234,56` and `mar. 2025`.
///
/// Only pt-BR and en-US are built in; [`Locale::from_tag`] maps other tags to
/// the nearest of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Locale {
    pub(crate) tag: &'static str,
    pub(crate) decimal: char,
    pub(crate) thousands: char,
    pub(crate) months: [&'static str; 12],
    pub(crate) date_order: DateOrder,
    pub(crate) null: &'static str,
    pub(crate) no_data: &'static str,
    pub(crate) total: &'static str,
    pub(crate) other: &'static str,
    /// Thousand, million, billion, trillion, for compact axis labels.
    pub(crate) compact: [&'static str; 4],
    /// Between a compact number and its unit (`1,2 mi` but `1.2M`).
    pub(crate) compact_space: bool,
    pub(crate) quarter_pt: bool,
    pub(crate) words: Words,
}

/// Words used in the charts' accessible descriptions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Words {
    pub(crate) column_chart: &'static str,
    pub(crate) bar_chart: &'static str,
    pub(crate) line_chart: &'static str,
    pub(crate) area_chart: &'static str,
    pub(crate) pie_chart: &'static str,
    pub(crate) scatter_chart: &'static str,
    pub(crate) funnel_chart: &'static str,
    pub(crate) by: &'static str,
    pub(crate) and: &'static str,
    pub(crate) categories: &'static str,
    pub(crate) slices: &'static str,
    pub(crate) points: &'static str,
    pub(crate) steps: &'static str,
    pub(crate) from: &'static str,
    pub(crate) to: &'static str,
}

impl Locale {
    /// Brazilian Portuguese, the demo's and ponte's default model locale.
    pub const PT_BR: Locale = Locale {
        tag: "pt-BR",
        decimal: ',',
        thousands: '.',
        months: ["jan.", "fev.", "mar.", "abr.", "mai.", "jun.", "jul.", "ago.", "set.", "out.", "nov.", "dez."],
        date_order: DateOrder::DayMonthYear,
        null: "—",
        no_data: "Sem dados",
        total: "Total",
        other: "Outros",
        compact: ["mil", "mi", "bi", "tri"],
        compact_space: true,
        quarter_pt: true,
        words: Words {
            column_chart: "Gráfico de colunas",
            bar_chart: "Gráfico de barras",
            line_chart: "Gráfico de linhas",
            area_chart: "Gráfico de área",
            pie_chart: "Gráfico de pizza",
            scatter_chart: "Gráfico de dispersão",
            funnel_chart: "Gráfico de funil",
            by: "por",
            and: "e",
            categories: "categorias",
            slices: "fatias",
            points: "pontos",
            steps: "etapas",
            from: "de",
            to: "a",
        },
    };

    /// US English, the fallback for tags ponte has no conventions for.
    pub const EN_US: Locale = Locale {
        tag: "en-US",
        decimal: '.',
        thousands: ',',
        months: ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"],
        date_order: DateOrder::MonthDayYear,
        null: "—",
        no_data: "No data",
        total: "Total",
        other: "Other",
        compact: ["K", "M", "B", "T"],
        compact_space: false,
        quarter_pt: false,
        words: Words {
            column_chart: "Column chart",
            bar_chart: "Bar chart",
            line_chart: "Line chart",
            area_chart: "Area chart",
            pie_chart: "Pie chart",
            scatter_chart: "Scatter chart",
            funnel_chart: "Funnel chart",
            by: "by",
            and: "and",
            categories: "categories",
            slices: "slices",
            points: "points",
            steps: "steps",
            from: "from",
            to: "to",
        },
    };

    /// The locale for a model's language tag (`pt-BR`, `pt_BR`, `en-US`, …,
    /// case-insensitive). Any Portuguese tag gets pt-BR; anything else gets
    /// en-US, so a model with an unexpected tag still renders.
    pub fn from_tag(tag: &str) -> Locale {
        let language = tag.trim().split(['-', '_']).next().unwrap_or("");
        if language.eq_ignore_ascii_case("pt") { Locale::PT_BR } else { Locale::EN_US }
    }

    /// The canonical tag (`pt-BR` or `en-US`), for the page's `lang` attribute.
    pub fn tag(&self) -> &'static str {
        self.tag
    }

    /// `2025-03` as `mar. 2025` / `Mar 2025`.
    pub(crate) fn month(&self, year: i32, month: u32) -> String {
        format!("{} {year}", self.months[(month - 1) as usize])
    }

    /// `2025-Q1` as `1º tri. 2025` / `Q1 2025`.
    pub(crate) fn quarter(&self, year: i32, quarter: u32) -> String {
        format!("{} {year}", self.quarter_short(quarter))
    }

    /// A quarter without its year (`1º tri.` / `Q1`), for time axes.
    pub(crate) fn quarter_short(&self, quarter: u32) -> String {
        if self.quarter_pt { format!("{quarter}º tri.") } else { format!("Q{quarter}") }
    }

    /// `2025-03-14` as `14/03/2025` / `03/14/2025`.
    pub(crate) fn date(&self, year: i32, month: u32, day: u32) -> String {
        match self.date_order {
            DateOrder::DayMonthYear => format!("{day:02}/{month:02}/{year:04}"),
            DateOrder::MonthDayYear => format!("{month:02}/{day:02}/{year:04}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_map_to_the_nearest_locale() {
        assert_eq!(Locale::from_tag("pt-BR"), Locale::PT_BR);
        assert_eq!(Locale::from_tag("pt_br"), Locale::PT_BR);
        assert_eq!(Locale::from_tag("PT"), Locale::PT_BR);
        assert_eq!(Locale::from_tag("en-US"), Locale::EN_US);
        assert_eq!(Locale::from_tag("xx-YY"), Locale::EN_US);
        assert_eq!(Locale::from_tag(""), Locale::EN_US);
        assert_eq!(Locale::PT_BR.tag(), "pt-BR");
    }
}
