# expect: full
# Loops over every query with np.ndindex, boolean indexing per row; returns a list.
# %% cross_attention
def cross_attention(X_q, X_kv, W_q, W_k, W_v, mask=None):
    Q, K, V = np.dot(X_q, W_q), np.dot(X_kv, W_k), np.dot(X_kv, W_v)
    shape = Q.shape[:-1] + (K.shape[-2],)
    allowed = np.broadcast_to(np.ones((), bool) if mask is None else mask, shape)
    w = np.zeros(shape)
    for idx in np.ndindex(*shape[:-1]):
        ok = allowed[idx]
        if ok.any():
            s = K[idx[:-1]] @ Q[idx] / np.sqrt(Q.shape[-1])
            s = s[ok]
            e = np.exp(s - s.max())
            w[idx + (ok,)] = e / e.sum()
    return [w @ V, w]
