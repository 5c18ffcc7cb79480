# expect: partial
# feedback: not 32 x 32
# A head pictured with its own d_head x d_head matrix.
# %% head_slice
head_slice = {"slice": "a", "head_params": 1024, "layer_params": 591360}
