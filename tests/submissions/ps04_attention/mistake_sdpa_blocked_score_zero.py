# expect: partial
# feedback: Blocked keys got a score of 0
# Blocked scores multiplied by the mask, so they become 0 instead of -inf.
# %% scaled_dot_product_attention
def scaled_dot_product_attention(Q, K, V, mask=None):
    s = Q @ np.swapaxes(K, -1, -2) / np.sqrt(Q.shape[-1])
    if mask is not None:
        s = s * mask
    e = np.exp(s - s.max(-1, keepdims=True))
    w = e / e.sum(-1, keepdims=True)
    return w @ V, w
