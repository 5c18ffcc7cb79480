# expect: partial
# feedback: that is the shape after the reshape, before the transpose
# The split stopped at the reshape: (batch, n, heads, d_head).
# %% head_shapes
head_shapes = {"q_split": (2, 9, 12, 32), "weights": (2, 12, 9, 9), "scale": 5.657,
               "torch_weights": (2, 9, 9)}
