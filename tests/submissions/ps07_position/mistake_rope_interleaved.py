# expect: zero
# feedback: interleaved layout of the RoFormer
# %% apply_rope
def apply_rope(X, positions, base=10000.0):
    X = np.asarray(X, dtype=float)
    d = X.shape[-1]
    if d % 2:
        raise ValueError("d must be even")
    h = d // 2
    a = np.asarray(positions)[:, None] * base ** (-2.0 * np.arange(h) / d)
    x1, x2 = X[..., 0::2], X[..., 1::2]
    out = np.empty_like(X)
    out[..., 0::2] = x1 * np.cos(a) - x2 * np.sin(a)
    out[..., 1::2] = x1 * np.sin(a) + x2 * np.cos(a)
    return out
