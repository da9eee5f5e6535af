view: expr {
  sql_table_name: `project.dataset.table` ;;
  dimension: with_semicolon {
    sql: CONCAT(${TABLE}.a, ';', ${TABLE}.b) ;;
  }
  dimension: with_quotes { sql: "quoted \"x\"" ;; label: "a \\ b" }
  dimension: with_braces { sql: {{ _user_attributes['region'] }} ;; }
  dimension: multiline_html {
    html:
      <div>
        {{ value }}
      </div> ;;
  }
  dimension: custom {
    type: yesno
    expression: ${x} > 2 ;;
  }
  measure: m1 { type: sum sql:${TABLE}.v;; }
  measure: m2 { type: sum sql_distinct_key: ${TABLE}.id ;; sql: ${TABLE}.v ;; }
  dimension: empty_sql { sql: ;; }
}
