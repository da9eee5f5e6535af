view: a { type: { x: y }
