# expect: partial
# feedback: with left padding the real tokens sit at the end
# Left padding taken to behave like right padding: no fully masked rows.
# %% heads_and_padding
heads_and_padding = {"mask_shape": (3, 1, 5, 5), "weights_shape": (3, 4, 5, 5), "zeros": 148, "empty_rows": 0}
