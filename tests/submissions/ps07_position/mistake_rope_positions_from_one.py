# expect: zero
# feedback: as if the positions were 1, 2, ..., n
# %% apply_rope
def apply_rope(X, positions, base=10000.0):
    X = np.asarray(X, dtype=float)
    d = X.shape[-1]
    if d % 2:
        raise ValueError("d must be even")
    h = d // 2
    a = np.arange(1, X.shape[-2] + 1)[:, None] * base ** (-2.0 * np.arange(h) / d)
    x1, x2 = X[..., :h], X[..., h:]
    return np.concatenate([x1 * np.cos(a) - x2 * np.sin(a), x1 * np.sin(a) + x2 * np.cos(a)], axis=-1)
