# expect: partial
# feedback: The leading axes of the queries were flattened into one
# Makes any batch 2-d to get one row per query, and never restores the leading axes: 1-d and
# 2-d queries pass, a grid of queries (b1, b2, d) comes back as (b1 * b2, n).
# %% dot_scores
def dot_scores(query, keys):
    rows = np.atleast_2d(query).reshape(-1, query.shape[-1])
    scores = rows @ keys.T
    return scores[0] if query.ndim == 1 else scores
