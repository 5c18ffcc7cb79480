# expect: partial
# feedback: divides the deviations by the variance
# (x - mean) / variance instead of / sqrt(variance + eps).
# %% layer_norm_token
layer_norm_token = {"means": 12, "variance": 3.5, "output": [-0.857, -0.571, 1.0, -0.143]}
