# expect: partial
# feedback: np.exp overflows
# %% soft_lookup
def soft_lookup(query, keys, values, temperature=1.0):
    weights = np.exp(dot_scores(query, keys) / temperature)
    weights = weights / weights.sum(axis=-1, keepdims=True)
    return weights @ values
