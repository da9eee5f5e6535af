view: a {
  tags: [,]
}
