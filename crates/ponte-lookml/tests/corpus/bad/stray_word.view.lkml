view: b {}
stray
