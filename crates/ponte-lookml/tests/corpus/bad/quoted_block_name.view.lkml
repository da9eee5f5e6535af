view: a {
  dimension: "quoted name" {
  }
}
