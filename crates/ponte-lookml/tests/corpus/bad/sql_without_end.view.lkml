view: a {
  dimension: b { sql: ${TABLE}.b }
}
