# expect: partial
# feedback: This case has 1 leading batch axis
# Written for one sentence (n, d_model): unpacking X.shape into two names fails with a batch axis.
# %% split_heads
def split_heads(X, num_heads):
    n, d_model = X.shape
    if d_model % num_heads:
        raise ValueError("d_model must be a multiple of num_heads")
    return X.reshape(n, num_heads, d_model // num_heads).transpose(1, 0, 2)
