# expect: partial
# feedback: negative start (i - window < 0) Python counts from the END
# Fills each row with a slice, without clipping its start at 0: for i < window the start
# i - window is negative, and a negative slice start counts from the END of the row.
# %% local_window_mask
def local_window_mask(n, window):
    mask = np.zeros((n, n), dtype=bool)
    for i in range(n):
        mask[i, i - window:i + window + 1] = True
    return mask
