# expect: partial
# feedback: not the window's whole width 2w + 1
# Information taken to move the window's whole width, 129 positions, per layer.
# %% local_window
local_window = {"kept": 124840, "band_flops": 3.20e7, "layers": 8}
