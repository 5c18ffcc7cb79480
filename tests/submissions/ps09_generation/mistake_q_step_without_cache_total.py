# expect: partial
# feedback: that is the whole generation without the cache
# Each step of the generation charged a full recomputation, 1 + 3 + 6 + ... + 500500.
# %% step_cost
step_cost = {"with_cache": 1000, "without_cache": 500_500, "whole_generation": 167_167_000}
