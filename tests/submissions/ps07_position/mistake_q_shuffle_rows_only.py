# expect: partial
# feedback: that shuffles the rows only
# The weights' rows moved with the tokens, the key columns left in place.
# %% shuffled_tokens
shuffled_tokens = {"y0_row": 1, "w_row_1": [0.1, 0.2, 0.3, 0.4], "causal_same": 1}
