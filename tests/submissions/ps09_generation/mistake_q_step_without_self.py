# expect: partial
# feedback: its query meets 999 + 1 keys
# The new token's own key forgotten: only the 999 earlier keys counted.
# %% step_cost
step_cost = {"with_cache": 999, "without_cache": 500_500, "whole_generation": 500_500}
