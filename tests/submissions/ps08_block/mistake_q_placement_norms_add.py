# expect: partial
# feedback: their squares add (Pythagoras)
# The norms of the input and the 8 orthogonal changes added: 9 x 16.
# %% norm_placement
norm_placement = {"post_norm": 16.0, "pre_norm": 144.0, "additions_only": "b"}
