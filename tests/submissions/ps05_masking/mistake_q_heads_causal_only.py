# expect: partial
# feedback: that counts only what the causal mask blocks
# Only the causal mask's 10 blocked keys per sentence and head counted, the padding keys forgotten.
# %% heads_and_padding
heads_and_padding = {"mask_shape": (3, 1, 5, 5), "weights_shape": (3, 4, 5, 5), "zeros": 120,
                     "empty_rows": 16}
