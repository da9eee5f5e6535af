view: params {
  derived_table: {
    sql: SELECT id, SUM(amount) AS total
         FROM shop.orders
         WHERE {% condition order_region %} region {% endcondition %}
         GROUP BY 1 ;;
    datagroup_trigger: nightly
    indexes: ["id"]
  }

  parameter: metric {
    type: unquoted
    allowed_value: { label: "Total" value: "total" }
    allowed_value: { label: "Count" value: "count" }
    default_value: "total"
  }

  filter: order_region {
    type: string
    suggest_dimension: region
  }

  dimension: chosen {
    type: number
    sql: {% if metric._parameter_value == 'total' %} ${TABLE}.total {% else %} 1 {% endif %} ;;
    html: <b>{{ rendered_value }}</b> ;;
  }

  dimension: tier {
    type: tier
    tiers: [0, 10, 100, 1000]
    style: integer
    sql: ${TABLE}.total ;;
  }
}
