# expect: partial
# feedback: It counts two matrices
# Counts the scores and the softmax weights, both n_q x n_k, against the definition (one matrix).
# %% attention_memory_bytes
def attention_memory_bytes(n_q, n_k, itemsize=4):
    scores = n_q * n_k * itemsize
    weights = n_q * n_k * itemsize
    return scores + weights
