# expect: full
# The questions answered by hand, in other containers: shapes as lists, a rounded square root,
# counts as integral floats, labels as a tuple of floats.
# %% head_shapes
head_shapes = {"torch_weights": [2, 9, 9], "scale": 5.657, "weights": [2, 12, 9, 9],
               "q_split": [2, 12, 9, 32]}
# %% parameter_counts
parameter_counts = {"params_8": 1050624.0, "params_16": 1.050624e6, "in_proj_shape": [1536, 512],
                    "score_products": 5.12e6}
# %% reshape_bug
reshape_bug = {"right": (4.0, 5.0, 6.0, 7.0), "buggy": (14, 15, 16, 17), "round_trip": np.True_}
