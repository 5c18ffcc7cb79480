# expect: partial
# feedback: that shuffles the columns only
# The key columns reordered, the query rows left in place.
# %% shuffled_tokens
shuffled_tokens = {"y0_row": 1, "w_row_1": [0.2, 0.5, 0.2, 0.1], "causal_same": 1}
