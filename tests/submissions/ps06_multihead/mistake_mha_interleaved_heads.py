# expect: partial
# feedback: Head h was given every num_heads-th feature
# Splits the projections itself, with the reshape's last two sizes the wrong way round:
# (..., n, d_head, num_heads), then the heads axis moved to the front.
# %% multi_head_attention
def multi_head_attention(X, W_q, W_k, W_v, W_o, num_heads, mask=None):
    *batch, n, d_model = X.shape
    d_head = d_model // num_heads

    def heads(A):
        return np.moveaxis(A.reshape(*batch, n, d_head, num_heads), -1, -3)

    Q, K, V = heads(X @ W_q), heads(X @ W_k), heads(X @ W_v)
    scores = Q @ np.swapaxes(K, -1, -2) / np.sqrt(d_head)
    allowed = np.ones(scores.shape, dtype=bool)
    if mask is not None:
        allowed = np.broadcast_to(np.broadcast_to(mask, X.shape[:-2] + (n, n))[..., None, :, :], scores.shape)
    scores = np.where(allowed, scores, -np.inf)
    top = scores.max(axis=-1, keepdims=True)
    exps = np.where(allowed, np.exp(scores - np.where(np.isfinite(top), top, 0.0)), 0.0)
    total = exps.sum(axis=-1, keepdims=True)
    weights = exps / np.where(total > 0, total, 1.0)
    out = np.moveaxis(weights @ V, -3, -1).reshape(*batch, n, d_model)
    return out @ W_o, weights
