# expect: partial
# feedback: multiplied by the transpose of the output projection W_o
# Writes the output projection the torch way round, merged @ W_o.T (nn.Linear stores (out, in)).
# %% multi_head_attention
def multi_head_attention(X, W_q, W_k, W_v, W_o, num_heads, mask=None):
    Q, K, V = (split_heads(X @ W, num_heads) for W in (W_q, W_k, W_v))
    scores = Q @ np.swapaxes(K, -1, -2) / np.sqrt(Q.shape[-1])
    allowed = np.ones(scores.shape, dtype=bool)
    if mask is not None:
        n = X.shape[-2]
        allowed = np.broadcast_to(np.broadcast_to(mask, X.shape[:-2] + (n, n))[..., None, :, :], scores.shape)
    scores = np.where(allowed, scores, -np.inf)
    top = scores.max(axis=-1, keepdims=True)
    exps = np.where(allowed, np.exp(scores - np.where(np.isfinite(top), top, 0.0)), 0.0)
    total = exps.sum(axis=-1, keepdims=True)
    weights = exps / np.where(total > 0, total, 1.0)
    return merge_heads(weights @ V) @ W_o.T, weights
