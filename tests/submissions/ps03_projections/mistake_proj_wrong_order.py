# expect: partial
# feedback: The arrays come back in the order (K, Q, V)
# %% project_qkv
def project_qkv(X, W_q, W_k, W_v):
    Q = X @ W_q
    K = X @ W_k
    V = X @ W_v
    return K, Q, V
