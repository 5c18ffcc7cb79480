# expect: zero
# feedback: It uses ReLU
# %% feed_forward
def feed_forward(X, W1, b1, W2, b2):
    return np.maximum(X @ W1 + b1, 0) @ W2 + b2
