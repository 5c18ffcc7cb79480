# expect: zero
# feedback: unbiased variance
# %% layer_norm
def layer_norm(X, gamma, beta, eps=1e-5):
    mu = X.mean(axis=-1, keepdims=True)
    var = X.var(axis=-1, keepdims=True, ddof=1)
    return (X - mu) / np.sqrt(var + eps) * gamma + beta
