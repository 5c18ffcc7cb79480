# expect: partial
# feedback: 3,072 parameters are missing
# The two LayerNorms' gamma and beta left out of the block's count.
# %% ffn_parameters
ffn_parameters = {"ffn": 4_722_432, "block": 7_084_800}
