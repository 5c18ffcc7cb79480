# expect: partial
# feedback: the first sentence has no padding
# The bug believed to change every sentence of the batch.
# %% wrong_axis
wrong_axis = {"row_0": [0.245, 0.090, 0.665], "zero_rows": 2, "first_changed": True}
