# expect: partial
# feedback: the smallest score's weight does not grow
# The smallest weight taken to grow most at a lower temperature (the rule read backwards).
# %% halve_temperature
halve_temperature = {"position": 3, "new_weight": 0.002}
