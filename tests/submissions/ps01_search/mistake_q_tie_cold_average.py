# expect: partial
# feedback: that is the plain average of all four values
# The two temperature limits swapped: T -> 0 read as every key getting 1/n.
# %% tied_keys
tied_keys = {"hard": [0, 0, 1], "cold": [0.25, 0.5, 0.25]}
