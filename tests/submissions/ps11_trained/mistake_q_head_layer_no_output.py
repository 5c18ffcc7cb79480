# expect: partial
# feedback: the output projection (attention.output.dense) is the fourth map
# Only query, key and value counted.
# %% head_slice
head_slice = {"slice": "a", "head_params": 12320, "layer_params": 443520}
