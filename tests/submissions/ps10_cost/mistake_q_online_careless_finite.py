# expect: partial
# feedback: e^(-inf - (-inf))
# The careless update believed harmless: -inf - (-inf) taken to be 0.
# %% online_softmax
online_softmax = {"l": [0.0, 1.223, 1.585], "output": 2.688, "careless_nan": False}
