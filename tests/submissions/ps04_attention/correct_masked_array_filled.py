# expect: full
# numpy masked arrays, filled with 0 before they are returned
# %% scaled_dot_product_attention
def scaled_dot_product_attention(Q, K, V, mask=None):
    s = Q @ np.swapaxes(K, -1, -2) / np.sqrt(Q.shape[-1])
    if mask is None:
        mask = True
    s = np.ma.masked_array(s, mask=~np.broadcast_to(mask, s.shape))
    e = np.ma.exp(s - s.max(axis=-1, keepdims=True))
    w = e / e.sum(axis=-1, keepdims=True)
    w = w.filled(0.0)
    return w @ V, w
