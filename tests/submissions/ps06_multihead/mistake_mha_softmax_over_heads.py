# expect: partial
# feedback: The softmax ran over the heads axis (-3)
# Normalises with axis=-3 (the heads) after adding the heads axis in front of the tokens.
# %% multi_head_attention
def multi_head_attention(X, W_q, W_k, W_v, W_o, num_heads, mask=None):
    Q, K, V = (split_heads(X @ W, num_heads) for W in (W_q, W_k, W_v))
    scores = Q @ np.swapaxes(K, -1, -2) / np.sqrt(Q.shape[-1])
    if mask is not None:
        n = X.shape[-2]
        allowed = np.broadcast_to(np.broadcast_to(mask, X.shape[:-2] + (n, n))[..., None, :, :], scores.shape)
        scores = np.where(allowed, scores, -np.inf)
    exps = np.exp(scores - scores.max(axis=-3, keepdims=True))
    weights = exps / exps.sum(axis=-3, keepdims=True)
    return merge_heads(weights @ V) @ W_o, weights
