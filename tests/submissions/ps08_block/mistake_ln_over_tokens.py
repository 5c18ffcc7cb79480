# expect: zero
# feedback: normalises each feature across the tokens
# %% layer_norm
def layer_norm(X, gamma, beta, eps=1e-5):
    mu = X.mean(axis=-2, keepdims=True)
    var = X.var(axis=-2, keepdims=True)
    return (X - mu) / np.sqrt(var + eps) * gamma + beta
