# expect: partial
# feedback: the round trip gives X exactly
# A round trip believed to catch the bug.
# %% reshape_bug
reshape_bug = {"right": [4, 5, 6, 7], "buggy": [14, 15, 16, 17], "round_trip": False}
