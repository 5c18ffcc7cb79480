# expect: full
# The questions answered by hand, rounded as asked, in other containers: a tuple of rounded
# numbers, integral floats for counts and norms.
# %% layer_norm_token
layer_norm_token = {"output": (-1.604, -1.069, 1, 0.604), "variance": 3.5, "means": 12.0}
# %% ffn_parameters
ffn_parameters = {"ffn": 4722432.0, "block": 7087872}
# %% norm_placement
norm_placement = {"post_norm": 16, "pre_norm": 48.0, "additions_only": " b"}
