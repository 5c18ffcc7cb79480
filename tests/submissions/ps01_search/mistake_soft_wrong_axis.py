# expect: partial
# feedback: normalised over the wrong axis
# %% soft_lookup
def soft_lookup(query, keys, values, temperature=1.0):
    scores = dot_scores(query, keys) / temperature
    weights = np.exp(scores - scores.max())
    weights = weights / weights.sum(axis=0, keepdims=True)
    return weights @ values
