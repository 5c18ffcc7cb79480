# expect: full
# The questions answered by hand, rounded as asked, in other containers: tuples, integral floats
# for counts, the keys in another order.
# %% tied_keys
tied_keys = {"cold": (0.5, 0.0, 0.5), "hard": (0.0, 0.0, 1.0)}
# %% unrelated_titles
unrelated_titles = {"zero_share": 0.215, "best_weight": 0.618}
# %% long_query
long_query = {"nan_count": 1.0, "zero_count": 3, "temperature": 300.0}
