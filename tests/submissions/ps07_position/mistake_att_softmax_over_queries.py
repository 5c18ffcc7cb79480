# expect: zero
# feedback: The softmax ran over the queries
# %% rope_attention
def rope_attention(Q, K, V, positions_q, positions_k, mask=None):
    s = apply_rope(Q, positions_q) @ np.swapaxes(apply_rope(K, positions_k), -1, -2) / np.sqrt(Q.shape[-1])
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    m = s.max(axis=-2, keepdims=True)
    e = np.exp(s - np.where(np.isfinite(m), m, 0.0))
    t = e.sum(axis=-2, keepdims=True)
    w = np.divide(e, t, out=np.zeros(e.shape), where=t > 0)
    return w @ V, w
