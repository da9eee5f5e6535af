//! Which keys each table of a model file accepts, for the unknown-key
//! report. The search itself (every unknown key with its place in the file)
//! is `ponte-config`'s, shared by both file formats; the keys come from the
//! raw types' serde derives, so this map cannot drift from the parser.

use ponte_config::unknown_keys::{UnknownKey, fields_of};

use super::raw;

/// The keys the table holding `key` accepts.
pub(crate) fn expected_keys(key: &UnknownKey) -> &'static [&'static str] {
    match key.parents().as_slice() {
        [] => fields_of::<raw::RawModelFile>(),
        ["model"] => fields_of::<raw::RawModelHeader>(),
        ["views", "[]"] => fields_of::<raw::RawView>(),
        ["views", "[]", "derived_table"] => fields_of::<raw::RawDerivedTable>(),
        ["views", "[]", "dimensions", "[]"] => fields_of::<raw::RawDimension>(),
        ["views", "[]", "dimension_groups", "[]"] => fields_of::<raw::RawDimensionGroup>(),
        ["views", "[]", "measures", "[]"] => fields_of::<raw::RawMeasure>(),
        ["explores", "[]"] => fields_of::<raw::RawExplore>(),
        ["explores", "[]", "joins", "[]"] => fields_of::<raw::RawJoin>(),
        ["explores", "[]", "access_filters", "[]"] => fields_of::<raw::RawAccessFilter>(),
        ["looks", "[]"] => fields_of::<raw::RawLook>(),
        ["looks", "[]", "query"] => fields_of::<raw::RawQuery>(),
        ["dashboards", "[]"] => fields_of::<raw::RawDashboard>(),
        ["themes", "[]"] => fields_of::<raw::RawTheme>(),
        ["dashboards", "[]", "filters", "[]"] => fields_of::<raw::RawDashboardFilter>(),
        ["dashboards", "[]", "filters", "[]", "ui_config"] => fields_of::<raw::RawUiConfig>(),
        ["dashboards", "[]", "elements", "[]"] => fields_of::<raw::RawElement>(),
        ["dashboards", "[]", "elements", "[]", "query"] => fields_of::<raw::RawQuery>(),
        ["dashboards", "[]", "elements", "[]", "layout"] => fields_of::<raw::RawLayout>(),
        ["dashboards", "[]", "elements", "[]", "y_axes", "[]"] => fields_of::<raw::RawYAxis>(),
        ["dashboards", "[]", "elements", "[]", "conditional_formatting", "[]"] => {
            fields_of::<raw::RawConditionalFormat>()
        }
        _ => &[],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_names_come_from_the_raw_types() {
        let keys = fields_of::<raw::RawAccessFilter>();
        assert_eq!(keys, &["field", "user_attribute"]);
    }
}
