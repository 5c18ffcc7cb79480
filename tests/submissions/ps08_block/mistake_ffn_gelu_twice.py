# expect: zero
# feedback: GELU is applied after the second layer too
# %% feed_forward
def feed_forward(X, W1, b1, W2, b2):
    erf = np.vectorize(math.erf)
    gelu = lambda h: 0.5 * h * (1 + erf(h / math.sqrt(2)))
    return gelu(gelu(X @ W1 + b1) @ W2 + b2)
