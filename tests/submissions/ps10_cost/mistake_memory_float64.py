# expect: partial
# feedback: 8 bytes per number
# Hard-codes numpy's default float64 (8 bytes) and ignores the itemsize argument.
# %% attention_memory_bytes
def attention_memory_bytes(n_q, n_k, itemsize=4):
    return n_q * n_k * 8                 # numpy arrays are float64
