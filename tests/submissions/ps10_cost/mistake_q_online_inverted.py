# expect: partial
# feedback: the factor is e^(m - m'), at most 1
# The old l multiplied by e^(m' - m) = e.
# %% online_softmax
online_softmax = {"l": [0.0, 1.223, 4.460], "output": 2.688, "careless_nan": True}
