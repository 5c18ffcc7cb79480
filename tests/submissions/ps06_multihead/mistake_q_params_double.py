# expect: partial
# feedback: more heads do not mean more parameters
# Twice the heads taken to hold twice the parameters.
# %% parameter_counts
parameter_counts = {"params_8": 1050624, "params_16": 2101248, "in_proj_shape": (1536, 512),
                    "score_products": 5120000}
