# expect: zero
# feedback: eps inside the square root
# %% layer_norm
def layer_norm(X, gamma, beta, eps=1e-5):
    mu = X.mean(axis=-1, keepdims=True)
    with np.errstate(all="ignore"):
        return (X - mu) / X.std(axis=-1, keepdims=True) * gamma + beta
