# expect: partial
# feedback: one FLOP per multiply-add
# %% attention_flops
def attention_flops(n_q, n_k, d_k, d_v):
    return n_q * n_k * d_k + n_q * n_k * d_v
