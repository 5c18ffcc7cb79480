# expect: partial
# feedback: the old l was not rescaled
# The new chunk's terms added to the old l without multiplying it by e^(m - m').
# %% online_softmax
online_softmax = {"l": [0.0, 1.223, 2.358], "output": 2.688, "careless_nan": True}
