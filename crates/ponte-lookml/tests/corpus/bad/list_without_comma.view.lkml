view: a {
  tags: [a b]
}
