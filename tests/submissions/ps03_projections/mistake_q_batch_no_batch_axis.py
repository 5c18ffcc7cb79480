# expect: partial
# feedback: the batch axis stays
# The batch axis dropped from V, as if the projection mixed the sentences.
# %% batch_shapes
batch_shapes = {"V": (5, 4), "K_T": (8, 5, 3), "np_dot": (3, 5, 3, 5)}
