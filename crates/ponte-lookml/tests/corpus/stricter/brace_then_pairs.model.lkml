explore: a {
  join: b {}
}
}
explore: lost {
  join: c {}
}
