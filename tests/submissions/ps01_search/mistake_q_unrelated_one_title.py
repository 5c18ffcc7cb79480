# expect: partial
# feedback: that is the weight of one of the seven titles
# The weight of a single score-0 title given for all seven.
# %% unrelated_titles
unrelated_titles = {"best_weight": 0.618, "zero_share": 0.031}
