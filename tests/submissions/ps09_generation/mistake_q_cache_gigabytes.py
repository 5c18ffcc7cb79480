# expect: partial
# feedback: a GiB is 2^30
# The bytes divided by 10^9 (GB) instead of 2^30 (GiB).
# %% cache_size
cache_size = {"per_token": 163_840, "total_gib": 10.737, "mha_gib": 53.687}
