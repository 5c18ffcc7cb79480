# expect: zero
# feedback: eps is added to the standard deviation
# %% layer_norm
def layer_norm(X, gamma, beta, eps=1e-5):
    mu = X.mean(axis=-1, keepdims=True)
    return (X - mu) / (X.std(axis=-1, keepdims=True) + eps) * gamma + beta
