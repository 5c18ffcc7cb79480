# expect: partial
# feedback: returns the weights averaged over the heads
# torch's default weights taken to be per head, like the numpy function's.
# %% head_shapes
head_shapes = {"q_split": (2, 12, 9, 32), "weights": (2, 12, 9, 9), "scale": 5.657,
               "torch_weights": (2, 12, 9, 9)}
