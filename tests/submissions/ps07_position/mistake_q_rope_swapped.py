# expect: partial
# feedback: the signed offset j - i
# The two scores exchanged: the key's angle subtracted from the query's.
# %% rope_scores
rope_scores = {"q_rotated": [-0.990, -0.030, 0.141, 1.000], "score": 0.889, "score_swapped": -0.889}
