# expect: partial
# feedback: its dtype is float64, not bool
# The right band from np.triu / np.tril of np.ones, but left as float 0/1.
# %% local_window_mask
def local_window_mask(n, window):
    return np.triu(np.tril(np.ones((n, n)), window), -window)
