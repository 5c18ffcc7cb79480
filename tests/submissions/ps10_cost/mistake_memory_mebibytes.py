# expect: partial
# feedback: It is in mebibytes (MiB)
# Converts to MiB, the unit the chapter prints, instead of returning bytes.
# %% attention_memory_bytes
def attention_memory_bytes(n_q, n_k, itemsize=4):
    return n_q * n_k * itemsize / 2**20
