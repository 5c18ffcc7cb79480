# expect: full
# %% causal_mask
def causal_mask(n):
    return np.tril(np.ones((n, n))).astype(bool)
# %% padding_mask
def padding_mask(lengths, max_len):
    mask = np.zeros((len(lengths), max_len), dtype=bool)
    for b, length in enumerate(lengths):
        mask[b, :length] = True
    return mask
# %% cross_attention
def cross_attention(X_q, X_kv, W_q, W_k, W_v, mask=None):
    # a large negative fill, then rows with no allowed key are set to zero explicitly
    Q = np.tensordot(X_q, W_q, axes=1)
    K = np.tensordot(X_kv, W_k, axes=1)
    V = np.tensordot(X_kv, W_v, axes=1)
    scores = np.matmul(Q, np.moveaxis(K, -1, -2)) / np.sqrt(Q.shape[-1])
    if mask is None:
        mask = np.ones(scores.shape, dtype=bool)
    mask = np.broadcast_to(mask, scores.shape)
    scores = np.where(mask, scores, -1e300)
    scores = scores - scores.max(axis=-1, keepdims=True)
    weights = np.exp(scores)
    weights = weights / weights.sum(axis=-1, keepdims=True)
    weights = np.where(mask.any(axis=-1, keepdims=True), weights, 0.0)
    return np.matmul(weights, V), weights
