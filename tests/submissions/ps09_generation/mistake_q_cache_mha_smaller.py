# expect: partial
# feedback: is larger, not smaller
# The ratio 40 / 8 applied the wrong way round: MHA believed to need less.
# %% cache_size
cache_size = {"per_token": 163_840, "total_gib": 10.0, "mha_gib": 2.0}
