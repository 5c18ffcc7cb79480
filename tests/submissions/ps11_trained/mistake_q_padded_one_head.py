# expect: partial
# feedback: that counts one head
# The zeros of one head's matrices: 12 rows x (3 + 7) padded keys.
# %% padded_probs
padded_probs = {"shape": (3, 12, 12, 12), "zeros": 120, "padded_row_sum": 1.0}
