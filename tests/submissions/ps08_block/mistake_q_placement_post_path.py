# expect: partial
# feedback: the path back runs through all of them
# Post-norm chosen as the arrangement with a clean residual path.
# %% norm_placement
norm_placement = {"post_norm": 16.0, "pre_norm": 48.0, "additions_only": "a"}
