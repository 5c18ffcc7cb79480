# expect: partial
# feedback: Subtract each query's own largest allowed score
# exp(s - max) with the maximum over all keys, then the mask: fine until a blocked key holds a
# row's largest score by far, and then every allowed exponential underflows to 0.
# %% scaled_dot_product_attention
def scaled_dot_product_attention(Q, K, V, mask=None):
    s = Q @ np.swapaxes(K, -1, -2) / np.sqrt(Q.shape[-1])
    e = np.exp(s - s.max(-1, keepdims=True))
    if mask is not None:
        e = e * mask
    t = e.sum(-1, keepdims=True)
    w = np.divide(e, t, out=np.zeros_like(e), where=t > 0)
    return w @ V, w
