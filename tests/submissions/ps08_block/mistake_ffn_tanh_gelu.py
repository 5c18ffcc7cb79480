# expect: zero
# feedback: tanh approximation
# %% feed_forward
def feed_forward(X, W1, b1, W2, b2):
    h = X @ W1 + b1
    g = 0.5 * h * (1 + np.tanh(np.sqrt(2 / np.pi) * (h + 0.044715 * h ** 3)))
    return g @ W2 + b2
