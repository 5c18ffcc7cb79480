# expect: partial
# feedback: 1/16 is the chance of guessing the value
# The chance accuracy (1 of 16 values) given for the uniform attention.
# %% query_rows
query_rows = {"mean_on_target": 0.615, "hit_rate": 0.75, "uniform": 0.0625}
