# expect: partial
# feedback: one position too narrow on each side
# %% local_window_mask
def local_window_mask(n, window):
    i = np.arange(n)
    return np.abs(i[:, None] - i[None, :]) < window
