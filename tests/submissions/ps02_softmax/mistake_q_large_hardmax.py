# expect: partial
# feedback: the largest score does not take all the weight
# Large scores taken to mean a hard maximum.
# %% large_scores
large_scores = {"literal_finite": False, "first_weight": 1.0}
