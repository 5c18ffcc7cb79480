# expect: zero
# feedback: Raise ValueError instead of TypeError
# %% grouped_query_attention
def grouped_query_attention(Q, K, V, mask=None):
    h, h_kv = Q.shape[-3], K.shape[-3]
    if V.shape[-3] != h_kv or h % h_kv:
        raise TypeError("the head counts do not fit")
    K, V = np.repeat(K, h // h_kv, axis=-3), np.repeat(V, h // h_kv, axis=-3)
    s = Q @ np.swapaxes(K, -1, -2) / np.sqrt(Q.shape[-1])
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    top = s.max(axis=-1, keepdims=True)
    e = np.exp(s - np.where(np.isfinite(top), top, 0))
    z = e.sum(axis=-1, keepdims=True)
    w = np.divide(e, z, out=np.zeros_like(e), where=z > 0)
    return w @ V, w
