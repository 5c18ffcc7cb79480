# expect: partial
# feedback: each of the 16 sequences of the batch keeps its own
# The batch left out: one sequence's cache given for the server's.
# %% cache_size
cache_size = {"per_token": 163_840, "total_gib": 0.625, "mha_gib": 3.125}
