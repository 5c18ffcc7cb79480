# expect: partial
# feedback: nn.Linear stores weight as (d_out, d_in)
# The course's X @ W layout assumed: the head's columns of weight instead of its rows.
# %% head_slice
head_slice = {"slice": "b", "head_params": 12320, "layer_params": 591360}
