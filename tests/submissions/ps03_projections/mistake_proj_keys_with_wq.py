# expect: partial
# feedback: The second array, the keys K, equals X W_q
# %% project_qkv
def project_qkv(X, W_q, W_k, W_v):
    Q = X @ W_q
    K = X @ W_q
    V = X @ W_v
    return Q, K, V
