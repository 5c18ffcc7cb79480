# expect: partial
# feedback: a masked key's score is -inf
# The masked keys given a score of 0, so chunk 1 contributes e^0 + e^0.
# %% online_softmax
online_softmax = {"l": [2.0, 1.494, 1.685], "output": 2.688, "careless_nan": True}
