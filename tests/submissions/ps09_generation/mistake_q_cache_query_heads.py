# expect: partial
# feedback: not per query head
# The 40 query heads counted as the cached heads (the keys and values of every head, as in MHA).
# %% cache_size
cache_size = {"per_token": 819_200, "total_gib": 50.0, "mha_gib": 50.0}
