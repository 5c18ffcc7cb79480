# expect: partial
# feedback: the softmax ignores a constant added to every score, not a factor
# Shift invariance of the softmax taken for scale invariance.
# %% no_scaling
no_scaling = {"std_dot": 32, "weight_unscaled": 1.0, "weight_scaled": 0.731, "breaks": "d"}
