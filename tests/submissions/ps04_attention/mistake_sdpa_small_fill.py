# expect: partial
# feedback: gives blocked keys small but non-zero weights
# A fill value of -30 leaves blocked keys a weight of about 1e-13 instead of exactly 0.
# %% scaled_dot_product_attention
def scaled_dot_product_attention(Q, K, V, mask=None):
    s = Q @ np.swapaxes(K, -1, -2) / np.sqrt(Q.shape[-1])
    if mask is not None:
        s = np.where(mask, s, -30.0)
    e = np.exp(s - s.max(-1, keepdims=True))
    w = e / e.sum(-1, keepdims=True)
    if mask is not None:
        w = np.where(np.broadcast_to(mask, w.shape).any(-1, keepdims=True), w, 0.0)
    return w @ V, w
