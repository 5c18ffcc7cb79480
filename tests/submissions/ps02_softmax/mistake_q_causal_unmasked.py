# expect: partial
# feedback: the causal mask removes key 3
# The mask ignored: uniform weights over all 4 keys.
# %% causal_weights
causal_weights = {"row_2": [0.25, 0.25, 0.25, 0.25], "zeros": 6}
