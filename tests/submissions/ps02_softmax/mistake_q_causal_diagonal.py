# expect: partial
# feedback: the diagonal is not masked
# The diagonal counted among the masked weights.
# %% causal_weights
causal_weights = {"row_2": [1/3, 1/3, 1/3, 0], "zeros": 10}
