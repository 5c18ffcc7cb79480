# expect: partial
# feedback: that is the softmax of column 0 of the scores
# Query 0's weights taken from the first column of S (rows and columns swapped).
# %% wrong_axis
wrong_axis = {"row_0": [0.231, 0.140, 0.629], "zero_rows": 2, "first_changed": False}
