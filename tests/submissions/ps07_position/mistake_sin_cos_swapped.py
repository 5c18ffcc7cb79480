# expect: zero
# feedback: The sines and the cosines are swapped
# %% sinusoidal_positions
def sinusoidal_positions(n, d, base=10000.0):
    pair = np.arange(d) // 2
    a = np.arange(n)[:, None] / base ** (2 * pair / d)
    return np.where(np.arange(d) % 2 == 0, np.cos(a), np.sin(a))
