# expect: partial
# feedback: that leaves out the biases
# Only weight matrices counted, in the feed-forward network and in attention.
# %% ffn_parameters
ffn_parameters = {"ffn": 4_718_592, "block": 7_080_960}
