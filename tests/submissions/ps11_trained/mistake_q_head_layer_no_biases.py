# expect: partial
# feedback: each of the four maps also has a bias of 384 numbers
# 4 x 384^2, the biases left out.
# %% head_slice
head_slice = {"slice": "a", "head_params": 12320, "layer_params": 589824}
