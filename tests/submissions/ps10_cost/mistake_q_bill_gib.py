# expect: partial
# feedback: that is in GiB
# The bytes divided by 2**30 (GiB) rather than 10**9.
# %% layer_bill
layer_bill = {"flops": 2.75e11, "gigabytes": 2.0, "crossover_n": 2048}
