- dashboard: visao_geral
  title: Visão geral
  layout: newspaper
  preferred_viewer: dashboards-next
  description: "Custo e consumo do cliente."
  filters:
  - name: Mês
    title: Mês de referência
    type: field_filter
    default_value: ''
    model: shop
    explore: faturas
    field: faturas.mes_referencia_month
    ui_config:
      type: advanced
      display: popover
  elements:
  - title: Custo total
    name: custo_total
    model: shop
    explore: faturas
    type: single_value
    fields: [faturas.custo_total]
    listen:
      Mês: faturas.mes_referencia_month
    row: 0
    col: 0
    width: 8
    height: 4
  - title: Custo por mês
    name: custo_por_mes
    model: shop
    explore: faturas
    type: looker_column
    fields: [faturas.mes_referencia_month, faturas.custo_total, faturas.status_pagamento]
    pivots: [faturas.status_pagamento]
    sorts: [faturas.mes_referencia_month desc]
    filters:
      faturas.status_pagamento: "-cancelada"
    limit: 500
    stacking: normal
    listen:
      Mês: faturas.mes_referencia_month
    row: 0
    col: 8
    width: 16
    height: 8
  - name: nota
    type: text
    title_text: Sobre
    body_text: Valores em R$, com impostos.
    row: 8
    col: 0
    width: 24
    height: 2
