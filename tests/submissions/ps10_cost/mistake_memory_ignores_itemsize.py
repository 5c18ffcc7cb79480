# expect: partial
# feedback: but itemsize=8 was passed
# %% attention_memory_bytes
def attention_memory_bytes(n_q, n_k, itemsize=4):
    return n_q * n_k * 4   # float32
