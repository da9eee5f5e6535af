view: a {
  tags: [a: "x", b]
}
