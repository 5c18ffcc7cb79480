# expect: partial
# feedback: returned a list; return a numpy array of dtype bool
# Right pattern from a nested list comprehension, never turned into an array.
# %% local_window_mask
def local_window_mask(n, window):
    return [[abs(i - j) <= window for j in range(n)] for i in range(n)]
