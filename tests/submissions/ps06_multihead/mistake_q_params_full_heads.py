# expect: partial
# feedback: the heads do not each get full 512 x 512 matrices
# Every head given its own 512 x 512 W_q, W_k and W_v (with biases), plus one W_o.
# %% parameter_counts
parameter_counts = {"params_8": 6566400, "params_16": 12870144, "in_proj_shape": (1536, 512),
                    "score_products": 5120000}
