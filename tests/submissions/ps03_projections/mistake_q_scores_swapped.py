# expect: partial
# feedback: the two are swapped
# Row and column read the wrong way round: s_01 as key 0 against query 1.
# %% two_token_scores
two_token_scores = {"s_01": 12, "s_10": 10, "rank_M": 2}
