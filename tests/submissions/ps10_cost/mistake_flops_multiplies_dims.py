# expect: partial
# feedback: It multiplies d_k by d_v
# Multiplies the two products' sizes instead of adding their costs.
# %% attention_flops
def attention_flops(n_q, n_k, d_k, d_v):
    return 2 * n_q * n_k * d_k * d_v
