# expect: partial
# feedback: the hidden layer is d_ff = 3072 wide
# The feed-forward matrices taken as d_model x d_model.
# %% ffn_parameters
ffn_parameters = {"ffn": 1_181_184, "block": 3_546_624}
