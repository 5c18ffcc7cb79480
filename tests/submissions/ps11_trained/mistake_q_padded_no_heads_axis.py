# expect: partial
# feedback: probs is (batch, num_heads, n, n)
# One weight matrix per sentence, the heads axis left out.
# %% padded_probs
padded_probs = {"shape": (3, 12, 12), "zeros": 1440, "padded_row_sum": 1.0}
