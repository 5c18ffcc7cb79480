# expect: partial
# feedback: It blends several values
# Writes the soft lookup (softmax-weighted average) for the hard one.
# %% hard_lookup
def hard_lookup(query, keys, values):
    scores = dot_scores(query, keys)
    w = np.exp(scores - scores.max(axis=-1, keepdims=True))
    return (w / w.sum(axis=-1, keepdims=True)) @ values
