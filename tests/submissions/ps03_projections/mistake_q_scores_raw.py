# expect: partial
# feedback: that is x_0 · x_1, the raw embeddings
# The embeddings compared directly, without the projections.
# %% two_token_scores
two_token_scores = {"s_01": 2, "s_10": 2, "rank_M": 2}
