# only comments
# here
