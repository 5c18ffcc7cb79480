# expect: partial
# feedback: the mask has no real heads axis
# The mask's shape given the heads of the weights: (3, 4, 5, 5).
# %% heads_and_padding
heads_and_padding = {"mask_shape": (3, 4, 5, 5), "weights_shape": (3, 4, 5, 5), "zeros": 148,
                     "empty_rows": 16}
