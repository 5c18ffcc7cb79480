# expect: full
# einsum for both layers, erf from math with a list comprehension.
# %% feed_forward
def feed_forward(X, W1, b1, W2, b2):
    h = np.einsum("...i,ij->...j", np.asarray(X, dtype=float), W1) + b1
    erf = np.array([math.erf(v / math.sqrt(2)) for v in h.ravel()]).reshape(h.shape)
    g = h * 0.5 * (1 + erf)
    return np.einsum("...j,jk->...k", g, W2) + b2
