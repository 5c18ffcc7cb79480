# expect: partial
# feedback: It looks like the index of the best key
# %% hard_lookup
def hard_lookup(query, keys, values):
    return np.argmax(dot_scores(query, keys), axis=-1)
