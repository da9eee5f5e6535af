view: a {
  sql_table_name : t ;;
}
