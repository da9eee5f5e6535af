view: a {
  value_format_name: -
}
