# expect: partial
# feedback: the scores are not symmetric
# s_01 computed, and s_10 taken to be the same.
# %% two_token_scores
two_token_scores = {"s_01": 10, "s_10": 10, "rank_M": 2}
