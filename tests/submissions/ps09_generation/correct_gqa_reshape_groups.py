# expect: full
# Groups the query heads instead of repeating K and V: Q (..., h_kv, g, n_q, d) against K (..., h_kv, 1, n_k, d).
# %% grouped_query_attention
def grouped_query_attention(Q, K, V, mask=None):
    h, h_kv = Q.shape[-3], K.shape[-3]
    if V.shape[-3] != h_kv or h_kv == 0 or h % h_kv != 0:
        raise ValueError("the key/value heads must be as many in K and V, and divide the query heads")
    g = h // h_kv
    lead = Q.shape[:-3]
    Qg = Q.reshape(lead + (h_kv, g) + Q.shape[-2:])
    s = np.einsum("...kgqd,...kjd->...kgqj", Qg, K) / np.sqrt(Q.shape[-1])
    s = s.reshape(lead + (h,) + s.shape[-2:])
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    top = np.max(s, axis=-1, keepdims=True)
    e = np.exp(s - np.where(np.isneginf(top), 0, top))
    z = e.sum(axis=-1, keepdims=True)
    w = e / np.where(z == 0, 1, z)
    wg = w.reshape(lead + (h_kv, g) + w.shape[-2:])
    out = np.einsum("...kgqj,...kjd->...kgqd", wg, V)
    return out.reshape(lead + (h,) + out.shape[-2:]), w
