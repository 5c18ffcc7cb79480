# expect: partial
# feedback: The exponent is 2i/d
# Pair 1's frequency taken as 10000^(-1/4); the wavelength then from the right frequency.
# %% sinusoid_values
sinusoid_values = {"row_5": [-0.959, 0.284, 0.479, 0.878], "longest_wavelength": 628.3,
                   "shift_matrix": [-0.416, -0.909, 0.909, -0.416]}
