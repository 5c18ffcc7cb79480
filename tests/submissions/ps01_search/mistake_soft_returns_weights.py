# expect: partial
# feedback: multiply the weights by the values
# %% soft_lookup
def soft_lookup(query, keys, values, temperature=1.0):
    scores = dot_scores(query, keys) / temperature
    weights = np.exp(scores - scores.max(axis=-1, keepdims=True))
    return weights / weights.sum(axis=-1, keepdims=True)
