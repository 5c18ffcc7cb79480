# expect: partial
# feedback: not norm 1
# LayerNorm's output taken to be a unit vector.
# %% norm_placement
norm_placement = {"post_norm": 1.0, "pre_norm": 48.0, "additions_only": "b"}
