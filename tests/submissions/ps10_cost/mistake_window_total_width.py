# expect: partial
# feedback: total width
# Reads window as the width of the whole band (window // 2 neighbours on each side).
# %% local_window_mask
def local_window_mask(n, window):
    i = np.arange(n)
    half = window // 2
    return np.abs(i[:, None] - i[None, :]) <= half
