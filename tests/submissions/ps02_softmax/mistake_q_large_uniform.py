# expect: partial
# feedback: the weights are not equal
# Subtracting the maximum believed to flatten the weights to 1/3 each.
# %% large_scores
large_scores = {"literal_finite": False, "first_weight": 0.333}
