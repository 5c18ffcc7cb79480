# expect: partial
# feedback: the mask blocks padded keys, not padded queries
# Padded queries believed to get all-zero rows, as well as the padded keys their zero columns.
# %% padded_probs
padded_probs = {"shape": (3, 12, 12, 12), "zeros": 2184, "padded_row_sum": 0.0}
