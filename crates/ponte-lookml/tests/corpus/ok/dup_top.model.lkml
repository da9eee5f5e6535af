connection: "a"
connection: "b"
label: "Two connections"
