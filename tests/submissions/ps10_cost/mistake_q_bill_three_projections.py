# expect: partial
# feedback: the output projection W_o counts too
# Only the Q, K and V projections set against the products: 4 n^2 d_model = 6 n d_model^2.
# %% layer_bill
layer_bill = {"flops": 2.75e11, "gigabytes": 2.147, "crossover_n": 1536}
