view: empty_view {
}
