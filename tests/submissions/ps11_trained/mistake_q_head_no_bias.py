# expect: partial
# feedback: also have their 32 biases
# The 32 x 384 block of weights counted, its biases forgotten.
# %% head_slice
head_slice = {"slice": "a", "head_params": 12288, "layer_params": 591360}
