connection: "@{CONNECTION}"
include: "//other_project/views/*.view"
constant: CONNECTION { value: "warehouse" export: override_optional }

access_grant: can_see_finance {
  user_attribute: department
  allowed_values: ["finance", "executive"]
}

explore: +orders {
  label: "Refined"
}

explore: orders_agg {
  from: orders
  aggregate_table: rollup__by_month {
    query: {
      dimensions: [created_month]
      measures: [count]
      filters: [orders.status: "done"]
      timezone: "America/Sao_Paulo"
    }
    materialization: { datagroup_trigger: nightly }
  }
  conditionally_filter: {
    filters: [orders.created_date: "7 days"]
    unless: [orders.id]
  }
  required_access_grants: [can_see_finance]
  sql_always_having: ${orders.count} > 0 ;;
}

map_layer: regions { file: "/maps/regions.topojson" property_key: "name" }
named_value_format: brl { value_format: "\"R$\" #,##0.00" }
week_start_day: monday
case_sensitive: no
test: orders_have_ids {
  explore_source: orders { column: id { field: orders.id } }
  assert: id_not_null { expression: NOT is_null(${orders.id}) ;; }
}
label:: "two colons"
