# expect: full
# %% project_qkv
def project_qkv(X, W_q, W_k, W_v):
    X = np.asarray(X)
    flat = X.reshape(-1, X.shape[-1])
    def proj(W):
        return (flat @ W).reshape(*X.shape[:-1], W.shape[1])
    return proj(W_q), proj(W_k), proj(W_v)
