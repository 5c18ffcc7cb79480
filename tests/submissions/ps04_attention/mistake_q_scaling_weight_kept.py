# expect: partial
# feedback: that is the weight with the division
# The scaled scores 1 and 0 used for the unscaled weight as well.
# %% no_scaling
no_scaling = {"std_dot": 32, "weight_unscaled": 0.731, "weight_scaled": 0.731, "breaks": "b"}
