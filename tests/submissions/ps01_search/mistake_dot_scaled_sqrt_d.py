# expect: partial
# feedback: divided by the square root of the number of features
# A student who has read ahead about scaled dot-product attention scales the scores already.
# %% dot_scores
def dot_scores(query, keys):
    d = query.shape[-1]
    return query @ keys.T / np.sqrt(d)
