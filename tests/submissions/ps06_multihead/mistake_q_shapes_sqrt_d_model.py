# expect: partial
# feedback: not by sqrt(d_model) = sqrt(384)
# The scores scaled by sqrt(d_model), as for one full-width head.
# %% head_shapes
head_shapes = {"q_split": (2, 12, 9, 32), "weights": (2, 12, 9, 9), "scale": 19.596,
               "torch_weights": (2, 9, 9)}
