# expect: zero
# feedback: All the sines come first
# %% sinusoidal_positions
def sinusoidal_positions(n, d, base=10000.0):
    theta = base ** (-np.arange(0, d, 2) / d)
    a = np.arange(n)[:, None] * theta
    return np.concatenate([np.sin(a), np.cos(a)], axis=1)
