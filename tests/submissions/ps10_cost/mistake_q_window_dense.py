# expect: partial
# feedback: that is full attention's count
# The band kernel's FLOPs taken to be those of full attention (the mask saves nothing).
# %% local_window
local_window = {"kept": 124840, "band_flops": 2.56e8, "layers": 16}
