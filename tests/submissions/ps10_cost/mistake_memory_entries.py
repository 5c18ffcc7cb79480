# expect: partial
# feedback: It is the number of entries, n_q x n_k
# Returns the size of the matrix (its number of entries, as numpy's .size), not its bytes.
# %% attention_memory_bytes
def attention_memory_bytes(n_q, n_k, itemsize=4):
    return n_q * n_k                     # one number per (query, key) pair
