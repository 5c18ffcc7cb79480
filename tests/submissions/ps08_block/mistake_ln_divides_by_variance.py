# expect: zero
# feedback: It divides by the variance
# %% layer_norm
def layer_norm(X, gamma, beta, eps=1e-5):
    mu = X.mean(axis=-1, keepdims=True)
    return (X - mu) / (X.var(axis=-1, keepdims=True) + eps) * gamma + beta
