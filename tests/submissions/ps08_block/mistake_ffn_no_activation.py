# expect: zero
# feedback: There is no activation
# %% feed_forward
def feed_forward(X, W1, b1, W2, b2):
    return (X @ W1 + b1) @ W2 + b2
