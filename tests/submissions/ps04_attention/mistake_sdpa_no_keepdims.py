# expect: partial
# feedback: keepdims=True
# Sum without keepdims: a broadcasting error (n_q != n_k) or a wrong division (n_q == n_k).
# %% scaled_dot_product_attention
def scaled_dot_product_attention(Q, K, V, mask=None):
    s = Q @ np.swapaxes(K, -1, -2) / np.sqrt(Q.shape[-1])
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    e = np.exp(s - s.max())
    w = e / e.sum(-1)
    return w @ V, w
