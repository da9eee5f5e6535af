view: a {
  dimension: b {
    type: number
  }
