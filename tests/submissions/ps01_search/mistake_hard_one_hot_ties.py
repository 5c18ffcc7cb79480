# expect: partial
# feedback: yours adds up their values
# Hard attention as 0/1 weights on the best keys: right without ties, but tied keys all get
# weight 1 and their values are added up.
# %% hard_lookup
def hard_lookup(query, keys, values):
    scores = dot_scores(query, keys)
    one_hot = (scores == scores.max(axis=-1, keepdims=True)).astype(float)
    return one_hot @ values
