# expect: partial
# feedback: the heads share out W_q, W_k, W_v and W_o
# Attention's four projections (with biases) counted once per head, 12 times.
# %% ffn_parameters
ffn_parameters = {"ffn": 4_722_432, "block": 33_073_920}
