# expect: partial
# feedback: the feature axis was cut into (d_head, num_heads)
# Reshapes the features to (d_head, num_heads) and moves the last axis to the front: head h
# gets the features h, h + num_heads, ... instead of a block of neighbours.
# %% split_heads
def split_heads(X, num_heads):
    *batch, n, d_model = X.shape
    if d_model % num_heads:
        raise ValueError("d_model must be a multiple of num_heads")
    pieces = X.reshape(*batch, n, d_model // num_heads, num_heads)      # (..., n, d_head, h)
    return np.moveaxis(pieces, -1, -3)
