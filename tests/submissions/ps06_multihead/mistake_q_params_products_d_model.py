# expect: partial
# feedback: each head's dot products are between vectors of d_head = 64
# Every head's dot products counted over all 512 features: h n^2 d_model.
# %% parameter_counts
parameter_counts = {"params_8": 1050624, "params_16": 1050624, "in_proj_shape": (1536, 512),
                    "score_products": 40960000}
