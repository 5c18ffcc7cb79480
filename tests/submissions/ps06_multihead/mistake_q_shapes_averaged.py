# expect: partial
# feedback: the layer keeps one n x n matrix of weights per head
# The numpy layer's weights taken to be averaged over the heads, as torch reports them.
# %% head_shapes
head_shapes = {"q_split": (2, 12, 9, 32), "weights": (2, 9, 9), "scale": 5.657, "torch_weights": (2, 9, 9)}
