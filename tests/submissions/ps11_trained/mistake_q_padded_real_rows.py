# expect: partial
# feedback: those are the zeros in the real tokens' rows only
# Only the real queries' rows counted: 12 heads x (9 x 3 + 5 x 7).
# %% padded_probs
padded_probs = {"shape": (3, 12, 12, 12), "zeros": 744, "padded_row_sum": 1.0}
