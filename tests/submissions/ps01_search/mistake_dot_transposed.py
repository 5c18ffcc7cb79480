# expect: partial
# feedback: Its rows are keys and its columns queries
# %% dot_scores
def dot_scores(query, keys):
    return keys @ query.T
