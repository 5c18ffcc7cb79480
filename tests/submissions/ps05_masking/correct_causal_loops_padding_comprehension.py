# expect: full
# Nested loops; a list comprehension of booleans turned into an array.
# %% causal_mask
def causal_mask(n):
    m = np.full((n, n), False)
    for i in range(n):
        for j in range(i + 1):
            m[i][j] = True
    return m
# %% padding_mask
def padding_mask(lengths, max_len):
    return np.array([[pos < L for pos in range(max_len)] for L in lengths], dtype=bool).reshape(len(lengths), max_len)
