# expect: partial
# feedback: that is what the reshape without the transpose gives
# The right split and the buggy one swapped.
# %% reshape_bug
reshape_bug = {"right": [14, 15, 16, 17], "buggy": [4, 5, 6, 7], "round_trip": True}
