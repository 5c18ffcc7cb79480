# expect: partial
# feedback: W_q was used for all three projections
# %% project_qkv
def project_qkv(X, W_q, W_k, W_v):
    Q = X @ W_q
    return Q, Q, Q
