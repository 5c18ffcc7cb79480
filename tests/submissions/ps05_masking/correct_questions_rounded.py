# expect: full
# The questions answered by hand, rounded as asked, in other containers: shapes as lists,
# integral floats for counts, a tuple of rounded weights, a rounded fraction.
# %% heads_and_padding
heads_and_padding = {"empty_rows": 16.0, "zeros": 148.0, "weights_shape": [3, 4, 5, 5],
                     "mask_shape": [3, 1, 5, 5]}
# %% wrong_axis
wrong_axis = {"row_0": (0.245, 0.09, 0.665), "zero_rows": 2.0, "first_changed": np.False_}
# %% translation_shapes
translation_shapes = {"weights_shape": [2, 4, 6], "output_shape": (2, 4, 12), "needs_causal": False,
                      "weight": 0.333}
