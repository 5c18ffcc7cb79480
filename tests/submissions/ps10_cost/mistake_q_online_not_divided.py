# expect: partial
# feedback: the output is a / l
# The accumulator a given as the output, without dividing by l.
# %% online_softmax
online_softmax = {"l": [0.0, 1.223, 1.585], "output": 4.261, "careless_nan": True}
