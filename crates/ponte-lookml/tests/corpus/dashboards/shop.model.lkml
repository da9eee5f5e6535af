include: "*.dashboard"
view: orders {
  dimension: status {}
  dimension_group: created { timeframes: [date, month] }
  measure: count {}
}
explore: orders {}
