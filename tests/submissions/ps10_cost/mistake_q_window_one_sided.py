# expect: partial
# feedback: the window reaches w positions on both sides
# The window read as a causal sliding window: keys i - w .. i only.
# %% local_window
local_window = {"kept": 62920, "band_flops": 1.61e7, "layers": 16}
