# expect: partial
# feedback: that counts the masked products too
# The whole 1000 x 1000 score matrix counted, masked scores included.
# %% step_cost
step_cost = {"with_cache": 1000, "without_cache": 1_000_000, "whole_generation": 500_500}
