# expect: zero
# feedback: The exponent is i/d
# %% sinusoidal_positions
def sinusoidal_positions(n, d, base=10000.0):
    i = np.arange(d) // 2
    a = np.arange(n)[:, None] / base ** (i / d)
    return np.where(np.arange(d) % 2 == 0, np.sin(a), np.cos(a))
