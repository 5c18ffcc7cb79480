# expect: partial
# feedback: not d_k = 8
# The output's width taken from W_q and W_k (d_k) instead of W_v (d_v).
# %% translation_shapes
translation_shapes = {"weights_shape": (2, 4, 6), "output_shape": (2, 4, 8), "needs_causal": False,
                      "weight": 0.333}
