# An orders view with most of what a view can hold.
view: orders {
  sql_table_name: shop.orders ;;
  label: "Orders"

  dimension: id {
    primary_key: yes
    type: number
    sql: ${TABLE}.id ;;
  }

  dimension: status {
    type: string
    sql: ${TABLE}.status ;;   # a trailing comment
    label: "Order \"status\""
    description: "Where the order is: pending, shipped, done"
    link: {
      label: "Search"
      url: "https://example.com/?q={{ value | url_encode }}"
      icon_url: "https://example.com/favicon.ico"
    }
    link: {
      label: "Second"
      url: "https://example.com/b"
    }
  }

  dimension: amount_bucket {
    type: string
    sql: CASE
           WHEN ${amount} < 10 THEN 'small'
           WHEN ${amount} < 100 THEN 'medium' -- a SQL comment; with a semicolon
           ELSE 'large # not a comment'
         END ;;
  }

  dimension: amount {
    type: number
    sql: ${TABLE}.amount ;;
    value_format_name: usd
    hidden: yes
  }

  dimension_group: created {
    type: time
    timeframes: [raw, time, date, week, month, quarter, year]
    sql: ${TABLE}.created_at ;;
    convert_tz: no
    datatype: timestamp
  }

  dimension_group: shipping {
    type: duration
    intervals: [day, hour]
    sql_start: ${created_raw} ;;
    sql_end: ${TABLE}.shipped_at ;;
  }

  measure: count {
    type: count
    drill_fields: [detail*]
  }

  measure: total_amount {
    type: sum
    sql: ${amount} ;;
    value_format: "$#,##0.00"
    filters: [status: "done", created_date: "last 30 days"]
  }

  measure: legacy_filtered {
    type: count
    filters: {
      field: status
      value: "pending"
    }
  }

  measure: average_amount {
    type: number
    sql: ${total_amount} / NULLIF(${count}, 0) ;;
  }

  set: detail {
    fields: [id, status, created_date, users.name]
  }
}
