view: a {
  label:
}
