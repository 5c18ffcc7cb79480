# expect: partial
# feedback: It counts only the scores Q K^T
# %% attention_flops
def attention_flops(n_q, n_k, d_k, d_v):
    # the big one is the n x n score matrix
    return 2 * n_q * n_k * d_k
