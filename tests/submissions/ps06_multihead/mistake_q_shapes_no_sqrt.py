# expect: partial
# feedback: the scale is the square root of d_head
# The scores divided by d_head itself.
# %% head_shapes
head_shapes = {"q_split": (2, 12, 9, 32), "weights": (2, 12, 9, 9), "scale": 32, "torch_weights": (2, 9, 9)}
