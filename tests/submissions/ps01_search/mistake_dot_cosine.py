# expect: partial
# feedback: These look like cosine similarities
# %% dot_scores
def dot_scores(query, keys):
    q = query / np.linalg.norm(query, axis=-1, keepdims=True)
    k = keys / np.linalg.norm(keys, axis=-1, keepdims=True)
    return q @ k.T
