# expect: partial
# feedback: the rows of the padding queries 1 and 2 are all False
# The padding queries' rows believed to keep some weight.
# %% wrong_axis
wrong_axis = {"row_0": [0.245, 0.090, 0.665], "zero_rows": 0, "first_changed": False}
