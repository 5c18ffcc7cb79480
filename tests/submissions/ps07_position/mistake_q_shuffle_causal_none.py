# expect: partial
# feedback: token 3 still comes last
# Every output believed to change under a causal mask, the last token's included.
# %% shuffled_tokens
shuffled_tokens = {"y0_row": 1, "w_row_1": [0.3, 0.1, 0.2, 0.4], "causal_same": 0}
