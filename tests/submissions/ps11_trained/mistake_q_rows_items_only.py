# expect: partial
# feedback: the query position (6) is one of the 7 positions
# The argmax taken over the six items only, leaving out the query's own position.
# %% query_rows
query_rows = {"mean_on_target": 0.615, "hit_rate": 1.0, "uniform": 0.143}
