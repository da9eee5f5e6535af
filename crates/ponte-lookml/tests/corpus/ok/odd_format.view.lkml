view:users{sql_table_name:shop.users;;
dimension:id{primary_key:yes type:number sql:${TABLE}.id;;}
  dimension  :  name   {
      type : string
      sql:
        ${TABLE}.first_name || ' ' || ${TABLE}.last_name
      ;;
  }
	dimension: region {	type:	string }   # tabs
  dimension: empty_block {}
  dimension: list_trailing { tags: ["a", b, "c d",] }
  dimension: list_empty { tags: [] }
  dimension: list_leading { tags: [, x, y] }
  dimension: list_multiline {
    tags: [
      "one",   # comment inside a list
      two
    ]
  }
  measure: count { type: count drill_fields: [id, name] }
  # comment between pairs
  measure: neg { type: number sql: -1 ;; value_format_name: - usd }
}
