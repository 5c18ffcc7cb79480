# expect: partial
# feedback: X[perm] puts old token perm[k] at row k
# The permutation read backwards: token 0 sent to row perm[0], its row reordered by the inverse.
# %% shuffled_tokens
shuffled_tokens = {"y0_row": 2, "w_row_1": [0.1, 0.6, 0.2, 0.1], "causal_same": 1}
