# expect: zero
# feedback: erf(x / sqrt 2)
# %% feed_forward
def feed_forward(X, W1, b1, W2, b2):
    h = X @ W1 + b1
    erf = np.vectorize(math.erf)
    return 0.5 * h * (1 + erf(h)) @ W2 + b2
