# expect: partial
# feedback: It picks the best query for each key
# argmax along axis 0: the same as the last axis for a single query, across the queries for a
# batch of them.
# %% hard_lookup
def hard_lookup(query, keys, values):
    scores = dot_scores(query, keys)
    return values[np.argmax(scores, axis=0)]
