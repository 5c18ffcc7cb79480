# expect: partial
# feedback: a padded query's row is not zero
# The zero count right, but a padded query's row taken to be all zeros.
# %% padded_probs
padded_probs = {"shape": (3, 12, 12, 12), "zeros": 1440, "padded_row_sum": 0}
