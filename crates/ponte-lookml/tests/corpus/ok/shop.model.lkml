connection: "warehouse"
label: "Shop"

include: "/views/*.view.lkml"
include: "*.explore.lkml"
include: "dashboards/*.dashboard"

datagroup: nightly {
  sql_trigger: SELECT CURRENT_DATE ;;
  max_cache_age: "24 hours"
}

persist_with: nightly

explore: orders {
  label: "Orders and users"
  description: "Every order with its customer"
  access_filter: {
    field: orders.customer_id
    user_attribute: customer_id
  }
  access_filter: {
    field: users.region
    user_attribute: region
  }
  always_filter: {
    filters: [orders.created_date: "last 90 days", orders.status: "-cancelled"]
  }
  join: users {
    type: left_outer
    relationship: many_to_one
    sql_on: ${orders.user_id} = ${users.id} ;;
  }
  join: items {
    relationship: one_to_many
    sql_on: ${orders.id} = ${items.order_id}
       AND ${orders.created_date} = ${items.created_date} ;;
  }
  join: user_facts {
    from: users
    relationship: one_to_one
    foreign_key: orders.user_id
    fields: [user_facts.name]
  }
}

explore: users {}

explore: order_facts {
  from: orders
  view_name: orders
  hidden: yes
  sql_always_where: ${orders.status} <> 'test' ;;
}
