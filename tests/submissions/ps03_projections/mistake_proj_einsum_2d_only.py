# expect: partial
# feedback: It works for a single sentence X of shape (n, d_model) but not
# %% project_qkv
def project_qkv(X, W_q, W_k, W_v):
    return tuple(np.einsum("nd,dk->nk", X, W) for W in (W_q, W_k, W_v))
