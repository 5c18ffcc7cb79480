# expect: partial
# feedback: a bias in each of its four projections
# The biases left out: 4 x 512^2 for both counts.
# %% parameter_counts
parameter_counts = {"params_8": 1048576, "params_16": 1048576, "in_proj_shape": (1536, 512),
                    "score_products": 5120000}
