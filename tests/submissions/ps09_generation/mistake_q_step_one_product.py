# expect: partial
# feedback: the cache saves recomputing the earlier tokens' keys and values, not the scores
# The cache believed to leave a single product per step.
# %% step_cost
step_cost = {"with_cache": 1, "without_cache": 500_500, "whole_generation": 1000}
