# expect: partial
# feedback: It is the value of the lowest-scoring key
# %% hard_lookup
def hard_lookup(query, keys, values):
    return values[np.argmin(dot_scores(query, keys), axis=-1)]
