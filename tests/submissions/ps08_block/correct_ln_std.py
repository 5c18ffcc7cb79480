# expect: full
# np.std on a copy with one axis moved, written for any number of leading axes.
# %% layer_norm
def layer_norm(X, gamma, beta, eps=1e-5):
    X = np.asarray(X, dtype=float)
    mu = np.mean(X, axis=X.ndim - 1, keepdims=True)
    sigma2 = np.std(X, axis=X.ndim - 1, keepdims=True) ** 2
    return (X - mu) / np.sqrt(sigma2 + eps) * np.asarray(gamma) + np.asarray(beta)
