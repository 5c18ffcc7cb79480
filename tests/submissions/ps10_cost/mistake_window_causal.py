# expect: partial
# feedback: It only looks back (a causal window
# %% local_window_mask
def local_window_mask(n, window):
    i = np.arange(n)[:, None]
    j = np.arange(n)[None, :]
    return (j <= i) & (i - j <= window)
