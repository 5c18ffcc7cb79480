# expect: zero
# feedback: b1 is missing
# %% feed_forward
def feed_forward(X, W1, b1, W2, b2):
    h = X @ W1
    erf = np.vectorize(math.erf)
    return 0.5 * h * (1 + erf(h / math.sqrt(2))) @ W2 + b2
