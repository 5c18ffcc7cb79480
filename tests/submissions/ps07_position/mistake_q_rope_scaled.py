# expect: partial
# feedback: before the division by sqrt(d_k) = 2
# The scores divided by sqrt(d_k), as attention does.
# %% rope_scores
rope_scores = {"q_rotated": [-0.990, -0.030, 0.141, 1.000], "score": -0.445, "score_swapped": 0.445}
