# expect: full
# The questions answered by hand, rounded as asked, in other containers: tuples, an integral
# float for a row, the wavelength to the nearest token, numpy arrays of rounded numbers.
# %% shuffled_tokens
shuffled_tokens = {"causal_same": 1, "w_row_1": (0.3, 0.1, 0.2, 0.4), "y0_row": 1.0}
# %% rope_scores
rope_scores = {"q_rotated": (-0.99, -0.03, 0.141, 1.0), "score": -0.889, "score_swapped": 0.889}
# %% sinusoid_values
sinusoid_values = {"row_5": np.array([-0.959, 0.284, 0.05, 0.999]), "longest_wavelength": 628,
                   "shift_matrix": np.round([np.cos(2), -np.sin(2), np.sin(2), np.cos(2)], 3)}
