# expect: partial
# feedback: its padding mask (2, 1, 6) gives the 3 padding keys weight 0
# The source's padding mask forgotten: the weight shared among all 6 source positions.
# %% translation_shapes
translation_shapes = {"weights_shape": (2, 4, 6), "output_shape": (2, 4, 12), "needs_causal": False,
                      "weight": 1 / 6}
