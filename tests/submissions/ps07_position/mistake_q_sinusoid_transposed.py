# expect: partial
# feedback: that is the transpose of M
# The rotation written for column vectors, M transposed.
# %% sinusoid_values
sinusoid_values = {"row_5": [-0.959, 0.284, 0.050, 0.999], "longest_wavelength": 628.3,
                   "shift_matrix": [-0.416, 0.909, -0.909, -0.416]}
