# expect: partial
# feedback: the query attends to all 7 positions, itself included
# A uniform row spread over the 6 items only.
# %% query_rows
query_rows = {"mean_on_target": 0.615, "hit_rate": 0.75, "uniform": 0.167}
