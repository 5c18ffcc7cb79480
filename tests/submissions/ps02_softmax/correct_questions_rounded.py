# expect: full
# The questions answered by hand, rounded as asked, in other containers: a tuple of rounded
# weights, an integral float for a count.
# %% halve_temperature
halve_temperature = {"new_weight": 0.842, "position": 0}
# %% large_scores
large_scores = {"literal_finite": np.False_, "first_weight": 0.665}
# %% causal_weights
causal_weights = {"row_2": (0.333, 0.333, 0.333, 0), "zeros": 6.0}
