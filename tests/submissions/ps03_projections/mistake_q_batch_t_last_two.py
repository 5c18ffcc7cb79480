# expect: partial
# feedback: K.T reverses every axis of a 3-d array
# K.T believed to swap only the last two axes, as for a matrix.
# %% batch_shapes
batch_shapes = {"V": (3, 5, 4), "K_T": (3, 8, 5), "np_dot": (3, 5, 3, 5)}
