# expect: partial
# feedback: a token's output depends on which tokens come before it
# Equivariance believed to survive the causal mask: every token keeps its output.
# %% shuffled_tokens
shuffled_tokens = {"y0_row": 1, "w_row_1": [0.3, 0.1, 0.2, 0.4], "causal_same": 4}
