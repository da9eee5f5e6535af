view: a {
  label "x"
}
