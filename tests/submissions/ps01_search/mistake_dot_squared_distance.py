# expect: partial
# feedback: These are distances between the query and each key
# "Similarity" read as closeness: the negative squared Euclidean distance to every key.
# %% dot_scores
def dot_scores(query, keys):
    diff = query[..., None, :] - keys
    return -np.sum(diff ** 2, axis=-1)
