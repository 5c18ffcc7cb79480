# expect: partial
# feedback: that is the row the right mask gives
# The buggy mask read as if it varied along the keys: query 0 sees key 0 only.
# %% wrong_axis
wrong_axis = {"row_0": [1.0, 0.0, 0.0], "zero_rows": 2, "first_changed": False}
