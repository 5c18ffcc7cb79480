# expect: partial
# feedback: got the same weight on every key, 1/n_k
# -1e9 fill and np.nan_to_num: fully masked rows stay uniform.
# %% scaled_dot_product_attention
def scaled_dot_product_attention(Q, K, V, mask=None):
    s = Q @ np.swapaxes(K, -1, -2) / np.sqrt(Q.shape[-1])
    if mask is not None:
        s = np.where(mask, s, -1e9)
    e = np.exp(s - s.max(-1, keepdims=True))
    w = np.nan_to_num(e / e.sum(-1, keepdims=True))
    return w @ V, w
