# expect: partial
# feedback: the interleaved layout
# Neighbouring features paired, (0, 1) and (2, 3), as in the RoFormer paper.
# %% rope_scores
rope_scores = {"q_rotated": [-0.990, 0.141, -0.030, 1.000], "score": -0.889, "score_swapped": 0.889}
