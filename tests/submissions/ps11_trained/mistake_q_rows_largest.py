# expect: partial
# feedback: that is the mean of each row's largest weight
# Averaged each row's largest weight, as if the largest were always on the target.
# %% query_rows
query_rows = {"mean_on_target": 0.64, "hit_rate": 0.75, "uniform": 0.143}
