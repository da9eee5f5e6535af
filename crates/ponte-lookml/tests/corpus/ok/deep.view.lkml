view: nested { a: { b: { c: { d: { e: { f: x } } } } } dimension: x {} dimension: y {} measure: m {} }
view: second_view { extends: [nested] extension: required }
explore: e1 {}
explore: e2 { extends: [e1] join: nested { sql_on: 1 = 1 ;; } }
