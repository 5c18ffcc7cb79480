# expect: partial
# feedback: each of the 16 heads has its own three maps
# One head per layer: 24 x 196,800.
# %% head_parameters
head_parameters = {"weight_shape": (64, 1024), "per_head": 196800, "all_layers": 4723200}
