# expect: partial
# feedback: that is half the cache
# The keys counted, the values forgotten.
# %% cache_size
cache_size = {"per_token": 81_920, "total_gib": 5.0, "mha_gib": 25.0}
