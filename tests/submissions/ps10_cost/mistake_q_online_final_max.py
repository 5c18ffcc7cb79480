# expect: partial
# feedback: the final maximum 3, which is not known
# Every exponential taken relative to the row's final maximum, as if it were known from the start.
# %% online_softmax
online_softmax = {"l": [0.0, 0.450, 1.585], "output": 2.688, "careless_nan": True}
