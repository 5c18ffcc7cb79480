# expect: partial
# feedback: that is q . k before the rotations
# The scores taken as the plain dot product, as if rotations never changed a dot product.
# %% rope_scores
rope_scores = {"q_rotated": [-0.990, -0.030, 0.141, 1.000], "score": 0.0, "score_swapped": 0.0}
