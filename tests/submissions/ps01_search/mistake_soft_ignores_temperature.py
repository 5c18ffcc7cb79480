# expect: partial
# feedback: divide the scores by the temperature before the softmax
# %% soft_lookup
def soft_lookup(query, keys, values, temperature=1.0):
    scores = dot_scores(query, keys)
    weights = np.exp(scores - scores.max(axis=-1, keepdims=True))
    weights = weights / weights.sum(axis=-1, keepdims=True)
    return weights @ values
