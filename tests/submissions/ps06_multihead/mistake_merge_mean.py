# expect: partial
# feedback: the heads were added up, averaged or only one was kept
# Averages the heads (as torch's layer does with its weights) instead of joining them.
# %% merge_heads
def merge_heads(X):
    return X.mean(axis=-3)
