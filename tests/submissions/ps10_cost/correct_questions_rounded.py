# expect: full
# The questions answered by hand, rounded as asked, in other containers: a tuple of rounded sums,
# integral floats for the counts, a power of two written out.
# %% layer_bill
layer_bill = {"crossover_n": 2048.0, "gigabytes": 2.147, "flops": 2**38}
# %% local_window
local_window = {"kept": 124840.0, "band_flops": 31_960_000, "layers": 16.0}
# %% online_softmax
online_softmax = {"l": (0, 1.223, 1.585), "output": 2.688, "careless_nan": True}
