# expect: partial
# feedback: the rows near the ends have fewer keys
# Every row given 2w + 1 keys, the first and last rows included.
# %% local_window
local_window = {"kept": 129000, "band_flops": 3.30e7, "layers": 16}
