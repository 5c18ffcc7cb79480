# expect: zero
# feedback: Row 0 is the encoding of position 1
# %% sinusoidal_positions
def sinusoidal_positions(n, d, base=10000.0):
    pair = np.arange(d) // 2
    a = np.arange(1, n + 1)[:, None] / base ** (2 * pair / d)
    return np.where(np.arange(d) % 2 == 0, np.sin(a), np.cos(a))
