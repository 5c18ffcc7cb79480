# expect: full
# %% causal_mask
def causal_mask(n):
    rows, cols = np.indices((n, n))
    return np.greater_equal(rows, cols)
# %% padding_mask
def padding_mask(lengths, max_len):
    lengths = np.array(lengths, dtype=int).reshape(-1, 1)
    return np.less(np.arange(max_len), lengths)
# %% cross_attention
def cross_attention(X_q, X_kv, W_q, W_k, W_v, mask=None):
    Q = np.einsum("...nd,dk->...nk", X_q, W_q)
    K = np.einsum("...md,dk->...mk", X_kv, W_k)
    V = np.einsum("...md,dv->...mv", X_kv, W_v)
    scores = np.einsum("...nk,...mk->...nm", Q, K) / np.sqrt(W_q.shape[1])
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    top = np.max(scores, axis=-1, keepdims=True)
    top[~np.isfinite(top)] = 0.0
    exps = np.exp(scores - top)
    total = np.sum(exps, axis=-1, keepdims=True)
    weights = exps / np.where(total == 0, 1.0, total)
    return np.einsum("...nm,...mv->...nv", weights, V), weights
