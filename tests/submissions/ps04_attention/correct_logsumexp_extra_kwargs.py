# expect: full
# mask converted with astype(bool); extra keyword arguments; log-sum-exp
# %% scaled_dot_product_attention
def _lse(x):
    m = np.max(x, axis=-1, keepdims=True)
    m = np.where(np.isneginf(m), 0.0, m)
    with np.errstate(divide="ignore"):
        return m + np.log(np.sum(np.exp(x - m), axis=-1, keepdims=True))

def scaled_dot_product_attention(Q, K, V, mask=None, scale=None, dropout=0.0, **kwargs):
    scale = 1 / np.sqrt(K.shape[-1]) if scale is None else scale
    s = np.einsum("...id,...jd->...ij", Q, K) * scale
    if mask is not None:
        s = np.where(np.asarray(mask).astype(bool), s, -np.inf)
    lse = _lse(s)
    with np.errstate(invalid="ignore"):
        w = np.exp(s - lse)
    w = np.where(np.isfinite(lse), w, 0.0)
    return np.einsum("...ij,...jd->...id", w, V), w
