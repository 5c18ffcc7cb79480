# expect: partial
# feedback: the score depends on j - i with its sign
# The score believed to depend only on the distance |i - j|: the same after the swap.
# %% rope_scores
rope_scores = {"q_rotated": [-0.990, -0.030, 0.141, 1.000], "score": -0.889, "score_swapped": -0.889}
