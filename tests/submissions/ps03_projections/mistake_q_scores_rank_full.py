# expect: partial
# feedback: its rank is at most d_k = 2
# A 3 x 3 matrix taken to have full rank.
# %% two_token_scores
two_token_scores = {"s_01": 10, "s_10": 12, "rank_M": 3}
