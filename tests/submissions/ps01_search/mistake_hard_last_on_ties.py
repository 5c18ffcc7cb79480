# expect: partial
# feedback: return the value of the first of them
# %% hard_lookup
def hard_lookup(query, keys, values):
    scores = dot_scores(query, keys)
    n = scores.shape[-1]
    best = n - 1 - np.argmax(scores[..., ::-1], axis=-1)
    return values[best]
