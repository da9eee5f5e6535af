# Two dashboards in one file, flow and block styles, quoting, anchors.
- dashboard: "orders_overview"
  title: 'Orders: overview'
  layout: newspaper
  filters:
  - {name: Status, title: "Status", type: field_filter, explore: orders, field: orders.status, default_value: "done,shipped", ui_config: {type: checkboxes}}
  - name: Created
    type: date_filter
    default_value: 30 days
  elements:
  - name: by_month
    title: "Orders by month"
    model: shop
    explore: orders
    type: looker_column
    fields:
    - orders.created_month
    - orders.count
    sorts: ["orders.created_month desc"]
    limit: 12
    filters: &common
      orders.status: "-cancelled"
    listen: {Status: orders.status}
    stacking: normal
    show_totals: true
    series_types: {orders.count: column}
    show_value_labels: true
    row: 0
    col: 0
    width: 12
    height: 6
  - name: other_model
    model: finance
    explore: invoices
    type: table
    fields: [invoices.total]
  - name: count
    title: Count
    model: shop
    explore: orders
    type: single_value
    fields: [orders.count]
    filters: *common
    row: 0
    col: 12
    width: 12
    height: 6
- dashboard: tiles
  title: Tile layout
  layout: tile
  elements:
  - name: t1
    model: shop
    explore: orders
    type: table
    fields: [orders.status, orders.count]
    limit: 500
- dashboard: finance_only
  title: Finance
  elements:
  - name: f1
    model: finance
    explore: invoices
    type: table
    fields: [invoices.total]
