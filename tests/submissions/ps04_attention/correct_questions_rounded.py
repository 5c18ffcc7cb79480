# expect: full
# The questions answered by hand, rounded as asked, in other containers: lists for shapes,
# tuples of rounded numbers, an integral float for a count, an upper-case option.
# %% padded_batch
padded_batch = {"weights": [2, 8, 5, 7], "output": [2, 8, 5, 32], "zeros": 120.0}
# %% no_scaling
no_scaling = {"breaks": " B ", "std_dot": 32, "weight_unscaled": 1, "weight_scaled": 0.731}
# %% one_query
one_query = {"weights": (0.665, 0.09, 0.245), "output": (0.91, 0.335), "masked_output": (0.731, 1)}
