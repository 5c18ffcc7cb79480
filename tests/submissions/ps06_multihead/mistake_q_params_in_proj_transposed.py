# expect: partial
# feedback: torch stores weights in nn.Linear's (out, in) layout
# in_proj_weight taken in the course's X @ W orientation, (d_model, 3 d_model).
# %% parameter_counts
parameter_counts = {"params_8": 1050624, "params_16": 1050624, "in_proj_shape": (512, 1536),
                    "score_products": 5120000}
