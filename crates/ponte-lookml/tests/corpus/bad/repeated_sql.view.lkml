view: a {
  dimension: b { sql: x ;; sql: y ;; }
}
