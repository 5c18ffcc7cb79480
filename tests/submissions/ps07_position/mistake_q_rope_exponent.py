# expect: partial
# feedback: pair 1's is 10000^(-2/4) = 0.01
# The frequency of pair 1 taken as 10000^(-1/4) = 0.1.
# %% rope_scores
rope_scores = {"q_rotated": [-0.990, -0.296, 0.141, 0.955], "score": -0.889, "score_swapped": 0.889}
