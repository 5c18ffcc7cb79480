# expect: zero
# feedback: should be one whole number from 0 to 3; it is a list
# Every option at once, hoping one of them is taken as right.
# %% halve_temperature
halve_temperature = {"position": [0, 1, 2, 3], "new_weight": 0.842}
