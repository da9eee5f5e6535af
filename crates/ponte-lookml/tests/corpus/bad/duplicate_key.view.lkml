view: a {
  label: "x"
  label: "y"
}
