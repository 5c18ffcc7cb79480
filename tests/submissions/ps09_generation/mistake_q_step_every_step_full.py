# expect: partial
# feedback: the steps do not all cost 1000
# Every step of the generation charged the last step's 1000 products.
# %% step_cost
step_cost = {"with_cache": 1000, "without_cache": 500_500, "whole_generation": 1_000_000}
