# expect: partial
# feedback: It is the best score itself
# Confuses max with argmax: returns the highest score.
# %% hard_lookup
def hard_lookup(query, keys, values):
    return np.max(dot_scores(query, keys), axis=-1)
