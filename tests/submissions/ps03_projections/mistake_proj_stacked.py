# expect: partial
# feedback: stacked along a new first axis
# %% project_qkv
def project_qkv(X, W_q, W_k, W_v):
    return np.stack([X @ W_q, X @ W_k, X @ W_v])
