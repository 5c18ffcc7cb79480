# expect: partial
# feedback: that is the weight at T = 2
# Halving T read as doubling it: softmax(x / 2).
# %% halve_temperature
halve_temperature = {"position": 0, "new_weight": 0.434}
