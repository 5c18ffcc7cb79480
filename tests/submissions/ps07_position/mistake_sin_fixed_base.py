# expect: zero
# feedback: not a fixed 10000
# %% sinusoidal_positions
def sinusoidal_positions(n, d, base=10000.0):
    i = np.arange(d) // 2
    a = np.arange(n)[:, None] / 10000 ** (2 * i / d)
    return np.where(np.arange(d) % 2 == 0, np.sin(a), np.cos(a))
