# expect: zero
# feedback: sigmoid approximation
# %% feed_forward
def feed_forward(X, W1, b1, W2, b2):
    h = X @ W1 + b1
    return h / (1 + np.exp(-1.702 * h)) @ W2 + b2
