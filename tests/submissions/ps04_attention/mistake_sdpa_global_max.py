# expect: partial
# feedback: a maximum over the whole array
# One maximum (over all allowed scores of the whole batch) subtracted everywhere.
# %% scaled_dot_product_attention
def scaled_dot_product_attention(Q, K, V, mask=None):
    s = Q @ np.swapaxes(K, -1, -2) / np.sqrt(Q.shape[-1])
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    m = np.max(s[np.isfinite(s)]) if np.isfinite(s).any() else 0
    e = np.exp(s - m); t = e.sum(-1, keepdims=True)
    w = np.divide(e, t, out=np.zeros_like(e), where=t > 0)
    return w @ V, w
