# expect: partial
# feedback: rows count from 0
# Token 2 read as the second row.
# %% causal_weights
causal_weights = {"row_2": [0.5, 0.5, 0, 0], "zeros": 6}
