# expect: partial
# feedback: that divides the scores by their sum
# Scores normalised by their sum (3 / 5) instead of exponentiated.
# %% unrelated_titles
unrelated_titles = {"best_weight": 0.6, "zero_share": 0.215}
