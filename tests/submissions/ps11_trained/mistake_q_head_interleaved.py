# expect: partial
# feedback: a head is a contiguous block of d_head = 32 features
# Heads taken to interleave: every 12th output feature.
# %% head_slice
head_slice = {"slice": "c", "head_params": 12320, "layer_params": 591360}
