include: "/views/items.view.lkml"

explore: items {
  join: orders {
    type: inner
    relationship: many_to_one
    sql_on: ${items.order_id} = ${orders.id} ;;
  }
  join: products {
    relationship: many_to_one
    sql_on: ${items.product_id} = ${products.id} AND ${products.active} ;;
  }
  query: by_month {
    dimensions: [orders.created_month]
    measures: [orders.count]
    filters: [orders.created_date: "2024"]
  }
}
