# expect: partial
# feedback: larger scores make the weights sharper, not flatter
# Large scores believed to flatten the weights.
# %% no_scaling
no_scaling = {"std_dot": 32, "weight_unscaled": 1.0, "weight_scaled": 0.731, "breaks": "c"}
