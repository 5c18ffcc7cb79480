# expect: zero
# feedback: Each column turns at its own frequency
# %% sinusoidal_positions
def sinusoidal_positions(n, d, base=10000.0):
    j = np.arange(d)
    a = np.arange(n)[:, None] / base ** (j / d)
    return np.where(j % 2 == 0, np.sin(a), np.cos(a))
