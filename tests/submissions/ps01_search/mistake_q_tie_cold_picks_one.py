# expect: partial
# feedback: the softmax does not pick one of two tied keys
# The cold limit believed to be the hard lookup, first tied key included.
# %% tied_keys
tied_keys = {"hard": [0, 0, 1], "cold": [0, 0, 1]}
