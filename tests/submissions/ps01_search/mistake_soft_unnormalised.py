# expect: partial
# feedback: The weights were not normalised
# %% soft_lookup
def soft_lookup(query, keys, values, temperature=1.0):
    scores = dot_scores(query, keys) / temperature
    return np.exp(scores - scores.max(axis=-1, keepdims=True)) @ values
