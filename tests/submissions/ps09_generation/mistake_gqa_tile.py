# expect: zero
# feedback: np.tile
# %% grouped_query_attention
def grouped_query_attention(Q, K, V, mask=None):
    h, h_kv = Q.shape[-3], K.shape[-3]
    if V.shape[-3] != h_kv or h % h_kv:
        raise ValueError("heads")
    reps = [1] * K.ndim
    reps[-3] = h // h_kv
    K, V = np.tile(K, reps), np.tile(V, reps)
    s = Q @ np.swapaxes(K, -1, -2) / np.sqrt(Q.shape[-1])
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    e = np.exp(s - s.max(axis=-1, keepdims=True))
    w = e / e.sum(axis=-1, keepdims=True)
    return w @ V, w
