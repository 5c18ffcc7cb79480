# expect: partial
# feedback: a hard lookup returns one value row, never a blend
# The tie shared in the hard lookup too, as if it were the soft one.
# %% tied_keys
tied_keys = {"hard": [0.5, 0, 0.5], "cold": [0.5, 0, 0.5]}
