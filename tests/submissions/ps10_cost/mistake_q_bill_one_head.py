# expect: partial
# feedback: that is one head's count
# One head's FLOPs given for the layer (the memory right).
# %% layer_bill
layer_bill = {"flops": 1.72e10, "gigabytes": 2.147, "crossover_n": 2048}
