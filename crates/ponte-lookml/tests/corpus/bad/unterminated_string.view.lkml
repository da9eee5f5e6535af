view: a {
  label: "unterminated
}
