# expect: partial
# feedback: that counts the zeros of one head
# The zeros and the empty rows counted in one head only, as if the mask were not shared by 4 heads.
# %% heads_and_padding
heads_and_padding = {"mask_shape": (3, 1, 5, 5), "weights_shape": (3, 4, 5, 5), "zeros": 37, "empty_rows": 4}
