# expect: partial
# feedback: the model has 24 such layers
# The 16 heads of one layer counted, the 24 layers forgotten.
# %% head_parameters
head_parameters = {"weight_shape": (64, 1024), "per_head": 196800, "all_layers": 3148800}
