view: a {
  dimension: b {}
}
}
view: ignored_by_lkml {}
