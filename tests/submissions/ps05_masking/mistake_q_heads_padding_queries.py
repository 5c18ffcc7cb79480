# expect: partial
# feedback: the padding *queries* are not blocked
# Padding positions taken to attend to nothing: their whole rows counted as zeros.
# %% heads_and_padding
heads_and_padding = {"mask_shape": (3, 1, 5, 5), "weights_shape": (3, 4, 5, 5), "zeros": 188,
                     "empty_rows": 16}
