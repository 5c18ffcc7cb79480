# expect: partial
# feedback: batch normalisation's axis
# One mean per feature across all 12 tokens (the axis read as batch norm's); the token itself right.
# %% layer_norm_token
layer_norm_token = {"means": 4, "variance": 3.5, "output": [-1.604, -1.069, 1.0, 0.604]}
