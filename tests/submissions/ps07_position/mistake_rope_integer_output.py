# expect: zero
# feedback: cut to whole numbers
# %% apply_rope
def apply_rope(X, positions, base=10000.0):
    d = X.shape[-1]
    if d % 2:
        raise ValueError("d must be even")
    h = d // 2
    a = np.asarray(positions)[:, None] * base ** (-2.0 * np.arange(h) / d)
    out = np.empty_like(X)
    out[..., :h] = X[..., :h] * np.cos(a) - X[..., h:] * np.sin(a)
    out[..., h:] = X[..., :h] * np.sin(a) + X[..., h:] * np.cos(a)
    return out
