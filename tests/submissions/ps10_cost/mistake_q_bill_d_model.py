# expect: partial
# feedback: each head works on d_head = 64 features
# Every head counted with d_model = 1024 features: 16 x 4 n^2 d_model.
# %% layer_bill
layer_bill = {"flops": 4.40e12, "gigabytes": 2.147, "crossover_n": 2048}
