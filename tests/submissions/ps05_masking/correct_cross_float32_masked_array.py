# expect: full
# float32 arithmetic and numpy masked arrays for the blocked scores.
# %% cross_attention
def cross_attention(X_q, X_kv, W_q, W_k, W_v, mask=None):
    f = np.float32
    Q = X_q.astype(f) @ W_q.astype(f)
    K = X_kv.astype(f) @ W_k.astype(f)
    V = X_kv.astype(f) @ W_v.astype(f)
    s = np.matmul(Q, np.moveaxis(K, -1, -2)) / f(np.sqrt(Q.shape[-1]))
    blocked = np.zeros(s.shape, bool) if mask is None else ~np.broadcast_to(mask, s.shape)
    s = np.ma.array(s, mask=blocked)
    e = np.ma.exp(s - s.max(axis=-1, keepdims=True))
    w = (e / e.sum(axis=-1, keepdims=True)).filled(0).astype(f)
    return w @ V, w
