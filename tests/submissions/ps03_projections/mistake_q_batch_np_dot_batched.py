# expect: partial
# feedback: np.dot does not treat leading axes as a batch
# np.dot believed to batch like @.
# %% batch_shapes
batch_shapes = {"V": (3, 5, 4), "K_T": (8, 5, 3), "np_dot": (3, 5, 5)}
