# expect: partial
# feedback: 2 pi x 10000 is the limit for a large d
# The chapter's 2 pi x 10000 quoted for d = 4.
# %% sinusoid_values
sinusoid_values = {"row_5": [-0.959, 0.284, 0.050, 0.999], "longest_wavelength": 62831.9,
                   "shift_matrix": [-0.416, -0.909, 0.909, -0.416]}
