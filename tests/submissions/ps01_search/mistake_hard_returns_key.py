# expect: partial
# feedback: It is the best-matching key itself
# Finds the best key and returns it, instead of its value.
# %% hard_lookup
def hard_lookup(query, keys, values):
    best = np.argmax(dot_scores(query, keys), axis=-1)
    return keys[best]
