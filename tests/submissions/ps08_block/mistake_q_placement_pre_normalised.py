# expect: partial
# feedback: the residual stream itself never passes through a LayerNorm
# Pre-norm believed to renormalise the stream too.
# %% norm_placement
norm_placement = {"post_norm": 16.0, "pre_norm": 16.0, "additions_only": "b"}
