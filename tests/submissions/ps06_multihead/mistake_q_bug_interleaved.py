# expect: partial
# feedback: that reshapes the features as (d_head, h)
# Head 1 taken to hold every other feature, starting at feature 1.
# %% reshape_bug
reshape_bug = {"right": [1, 3, 5, 7], "buggy": [14, 15, 16, 17], "round_trip": True}
