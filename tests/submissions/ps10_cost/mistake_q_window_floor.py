# expect: partial
# feedback: round up
# 999 / 64 = 15.6 rounded down.
# %% local_window
local_window = {"kept": 124840, "band_flops": 3.20e7, "layers": 15}
