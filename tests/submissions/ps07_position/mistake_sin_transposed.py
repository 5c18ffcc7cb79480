# expect: zero
# feedback: Return one row per position
# %% sinusoidal_positions
def sinusoidal_positions(n, d, base=10000.0):
    i = np.arange(d)[:, None] // 2
    a = np.arange(n)[None, :] / base ** (2 * i / d)
    return np.where(np.arange(d)[:, None] % 2 == 0, np.sin(a), np.cos(a))
