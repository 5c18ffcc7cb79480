# expect: partial
# feedback: softmax never gives exactly 0
# Titles with no word in common believed to get no weight.
# %% unrelated_titles
unrelated_titles = {"best_weight": 0.618, "zero_share": 0}
