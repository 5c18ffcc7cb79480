# expect: partial
# feedback: those are the sines first and the cosines after
# Sines in the first half of the row, cosines in the second.
# %% sinusoid_values
sinusoid_values = {"row_5": [-0.959, 0.050, 0.284, 0.999], "longest_wavelength": 628.3,
                   "shift_matrix": [-0.416, -0.909, 0.909, -0.416]}
