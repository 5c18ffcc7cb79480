# expect: partial
# feedback: a dot product also adds them up over the feature axis
# %% dot_scores
def dot_scores(query, keys):
    return query[..., None, :] * keys
