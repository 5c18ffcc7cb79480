# expect: zero
# feedback: rotated with the interleaved pairs
# %% rope_attention
def rope_attention(Q, K, V, positions_q, positions_k, mask=None):
    def turn(X, p):
        d = X.shape[-1]
        a = np.asarray(p)[:, None] * 10000.0 ** (-2.0 * np.arange(d // 2) / d)
        out = np.empty(X.shape)
        out[..., 0::2] = X[..., 0::2] * np.cos(a) - X[..., 1::2] * np.sin(a)
        out[..., 1::2] = X[..., 0::2] * np.sin(a) + X[..., 1::2] * np.cos(a)
        return out
    s = turn(Q, positions_q) @ np.swapaxes(turn(K, positions_k), -1, -2) / np.sqrt(Q.shape[-1])
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    m = s.max(axis=-1, keepdims=True)
    e = np.exp(s - np.where(np.isfinite(m), m, 0.0))
    t = e.sum(axis=-1, keepdims=True)
    w = np.divide(e, t, out=np.zeros(e.shape), where=t > 0)
    return w @ V, w
