# expect: zero
# feedback: mask
# %% grouped_query_attention
def grouped_query_attention(Q, K, V, mask=None):
    h, h_kv = Q.shape[-3], K.shape[-3]
    if V.shape[-3] != h_kv or h % h_kv:
        raise ValueError("heads")
    K, V = np.repeat(K, h // h_kv, axis=-3), np.repeat(V, h // h_kv, axis=-3)
    s = Q @ np.swapaxes(K, -1, -2) / np.sqrt(Q.shape[-1])
    e = np.exp(s - s.max(axis=-1, keepdims=True))
    w = e / e.sum(axis=-1, keepdims=True)
    return w @ V, w
