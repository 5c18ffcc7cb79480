# expect: partial
# feedback: d - 1 additions
# The "exact" count: a dot product of length d is d multiplications and d - 1 additions, 2d - 1
# operations, instead of the course's 2 FLOPs per multiply-add.
# %% attention_flops
def attention_flops(n_q, n_k, d_k, d_v):
    scores = n_q * n_k * (2 * d_k - 1)   # n_q * n_k dot products of length d_k
    output = n_q * d_v * (2 * n_k - 1)   # n_q * d_v dot products of length n_k
    return scores + output
