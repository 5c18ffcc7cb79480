# expect: full
# Mean and variance with einsum and an explicit divide by d.
# %% layer_norm
def layer_norm(X, gamma, beta, eps=1e-5):
    X = np.asarray(X, dtype=np.float64)
    d = X.shape[-1]
    mean = np.einsum("...j->...", X)[..., None] / d
    centred = X - mean
    var = np.einsum("...j,...j->...", centred, centred)[..., None] / d
    return gamma * centred * (var + eps) ** -0.5 + beta
