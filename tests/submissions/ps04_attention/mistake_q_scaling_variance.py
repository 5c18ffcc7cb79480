# expect: partial
# feedback: 1024 is the variance of q · k
# The variance given for the standard deviation.
# %% no_scaling
no_scaling = {"std_dot": 1024, "weight_unscaled": 1.0, "weight_scaled": 0.731, "breaks": "b"}
