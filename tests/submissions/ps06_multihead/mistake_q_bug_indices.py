# expect: partial
# feedback: those are the positions of the numbers in memory
# The memory positions 12-15 given instead of the labels stored there.
# %% reshape_bug
reshape_bug = {"right": [4, 5, 6, 7], "buggy": [12, 13, 14, 15], "round_trip": True}
