# expect: partial
# feedback: that divides the scores by d_k = 4
# The scores divided by d_k instead of its square root.
# %% one_query
one_query = {"weights": [0.506, 0.186, 0.307], "output": [0.814, 0.494], "masked_output": [0.622, 1.0]}
