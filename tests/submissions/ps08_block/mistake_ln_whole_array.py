# expect: zero
# feedback: one mean and one variance over the whole array
# %% layer_norm
def layer_norm(X, gamma, beta, eps=1e-5):
    return (X - X.mean()) / np.sqrt(X.var() + eps) * gamma + beta
