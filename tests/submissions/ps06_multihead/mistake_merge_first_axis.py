# expect: partial
# feedback: The pieces were joined by walking along the FIRST axis of X
# np.concatenate(X, axis=-1) joins the pieces along X's FIRST axis: the heads when X is
# (num_heads, n, d_head), but the batch when there is one.
# %% merge_heads
def merge_heads(X):
    return np.concatenate(X, axis=-1)
