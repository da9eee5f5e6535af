view: crlf {
  dimension: id {
    type: number
  }
}
