# expect: partial
# feedback: that is 1 / frequency
# The wavelength taken as 1 / 0.01, forgetting that a full turn is 2 pi radians.
# %% sinusoid_values
sinusoid_values = {"row_5": [-0.959, 0.284, 0.050, 0.999], "longest_wavelength": 100,
                   "shift_matrix": [-0.416, -0.909, 0.909, -0.416]}
