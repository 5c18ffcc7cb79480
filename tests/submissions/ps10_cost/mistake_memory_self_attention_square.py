# expect: partial
# feedback: It uses n_q x n_q entries
# Thinks of self-attention only: an n x n matrix with n = n_q.
# %% attention_memory_bytes
def attention_memory_bytes(n_q, n_k, itemsize=4):
    n = n_q
    return n * n * itemsize
