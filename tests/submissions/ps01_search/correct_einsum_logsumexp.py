# expect: full
# %% dot_scores
def dot_scores(query, keys):
    return np.einsum("...d,nd->...n", query, keys)
# %% hard_lookup
def hard_lookup(query, keys, values):
    scores = dot_scores(query, keys)
    return np.take(values, scores.argmax(axis=-1), axis=0)
# %% soft_lookup
def logsumexp(x, axis=-1):
    m = np.max(x, axis=axis, keepdims=True)
    return m + np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True))

def soft_lookup(query, keys, values, temperature=1.0):
    scores = dot_scores(query, keys) / temperature
    weights = np.exp(scores - logsumexp(scores))
    return np.einsum("...n,nv->...v", weights, values)
