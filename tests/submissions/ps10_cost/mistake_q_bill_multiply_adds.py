# expect: partial
# feedback: a multiply-add is 2 FLOPs
# Multiply-adds counted as FLOPs: 16 heads x 2 n^2 d_head.
# %% layer_bill
layer_bill = {"flops": 1.37e11, "gigabytes": 2.147, "crossover_n": 2048}
