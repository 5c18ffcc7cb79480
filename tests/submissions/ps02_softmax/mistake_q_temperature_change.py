# expect: partial
# feedback: that is how much the weight grows
# The change in weight given for the new weight.
# %% halve_temperature
halve_temperature = {"position": 0, "new_weight": 0.233}
