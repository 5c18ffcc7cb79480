# expect: partial
# feedback: that leaves out the biases
# Weights only: 3 x 1024 x 64 per head, and 24 x 16 times that.
# %% head_parameters
head_parameters = {"weight_shape": (64, 1024), "per_head": 196608, "all_layers": 75497472}
