# expect: partial
# feedback: that is the mean of all the weights
# Averaged every weight of the four rows (1/7) instead of the weights at the targets.
# %% query_rows
query_rows = {"mean_on_target": 0.143, "hit_rate": 0.75, "uniform": 0.143}
