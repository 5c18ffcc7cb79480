# expect: partial
# feedback: that is the exponential before normalising
# e^(x / T) without dividing by the sum.
# %% halve_temperature
halve_temperature = {"position": 0, "new_weight": 54.598}
