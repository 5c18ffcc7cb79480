# expect: full
# np.fromfunction for the causal mask; padding rows concatenated from ones and zeros.
# %% causal_mask
def causal_mask(n):
    return np.fromfunction(lambda i, j: j <= i, (n, n), dtype=int)
# %% padding_mask
def padding_mask(lengths, max_len):
    rows = []
    for L in list(lengths):
        rows.append(np.concatenate([np.ones(int(L), dtype=bool), np.zeros(max_len - int(L), dtype=bool)]))
    return np.stack(rows) if rows else np.zeros((0, max_len), bool)
