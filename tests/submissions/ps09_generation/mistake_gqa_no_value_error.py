# expect: zero
# feedback: numpy's own error
# Repeats by h // h_kv without checking: 6 heads over 4 kv heads slip through as a shape error or a wrong result.
# %% grouped_query_attention
def grouped_query_attention(Q, K, V, mask=None):
    g = max(Q.shape[-3] // K.shape[-3], 1)
    K, V = np.repeat(K, g, axis=-3), np.repeat(V, g, axis=-3)
    K, V = K[..., :Q.shape[-3], :, :], V[..., :Q.shape[-3], :, :]
    s = Q @ np.swapaxes(K, -1, -2) / np.sqrt(Q.shape[-1])
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    top = s.max(axis=-1, keepdims=True)
    e = np.exp(s - np.where(np.isfinite(top), top, 0))
    z = e.sum(axis=-1, keepdims=True)
    w = np.divide(e, z, out=np.zeros_like(e), where=z > 0)
    return w @ V, w
