# expect: partial
# feedback: It uses n_q x n_q score entries
# Thinks of self-attention only, "n^2 d": the score matrix taken as n_q x n_q.
# %% attention_flops
def attention_flops(n_q, n_k, d_k, d_v):
    n = n_q
    return 2 * n * n * d_k + 2 * n * n * d_v
