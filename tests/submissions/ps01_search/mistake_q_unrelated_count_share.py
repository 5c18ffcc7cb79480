# expect: partial
# feedback: share of the titles, not of the weight
# Seven titles of ten read as 70% of the weight.
# %% unrelated_titles
unrelated_titles = {"best_weight": 0.618, "zero_share": 0.7}
