# expect: partial
# feedback: It uses d_k for both products
# Treats the head size as one number d (as when d_k = d_v = d_model / h) and counts both products
# with d_k: right whenever d_k = d_v, wrong in general.
# %% attention_flops
def attention_flops(n_q, n_k, d_k, d_v):
    d = d_k                              # queries, keys and values have the same size
    return 2 * (2 * n_q * n_k * d)       # two products of n_q * n_k dot products of length d
