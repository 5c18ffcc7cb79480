# expect: partial
# feedback: the buggy reshape does not give the right contents
# The reshape without the transpose believed to give the right heads, as its shape is right.
# %% reshape_bug
reshape_bug = {"right": [4, 5, 6, 7], "buggy": [4, 5, 6, 7], "round_trip": True}
