# expect: partial
# feedback: It seems to include the softmax's operations
# Adds the softmax's work per score (max, subtract, exp, sum, divide), against the definition.
# %% attention_flops
def attention_flops(n_q, n_k, d_k, d_v):
    matmuls = 2 * n_q * n_k * d_k + 2 * n_q * n_k * d_v
    softmax = 5 * n_q * n_k              # max, subtract, exp, sum, divide per score
    return matmuls + softmax
