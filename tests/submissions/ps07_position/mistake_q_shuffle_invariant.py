# expect: partial
# feedback: permutation-equivariant, not invariant
# The weights believed not to change at all when the tokens are shuffled.
# %% shuffled_tokens
shuffled_tokens = {"y0_row": 1, "w_row_1": [0.5, 0.2, 0.2, 0.1], "causal_same": 1}
