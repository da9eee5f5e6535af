view: a {
  ;;
}
