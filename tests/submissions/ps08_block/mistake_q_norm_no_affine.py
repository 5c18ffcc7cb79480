# expect: partial
# feedback: before gamma and beta
# The normalised token given as LN(x), gamma and beta left out.
# %% layer_norm_token
layer_norm_token = {"means": 12, "variance": 3.5, "output": [-1.069, -0.535, 0.0, 1.604]}
