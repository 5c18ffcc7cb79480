# expect: partial
# feedback: nothing becomes NaN
# The seed articles' overflow taken to be the problem.
# %% no_scaling
no_scaling = {"std_dot": 32, "weight_unscaled": 1.0, "weight_scaled": 0.731, "breaks": "a"}
