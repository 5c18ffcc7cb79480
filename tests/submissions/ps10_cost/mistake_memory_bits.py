# expect: partial
# feedback: that is the size in bits
# %% attention_memory_bytes
def attention_memory_bytes(n_q, n_k, itemsize=4):
    return n_q * n_k * itemsize * 8
