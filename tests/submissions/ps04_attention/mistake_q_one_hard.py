# expect: partial
# feedback: that is the value of the best key alone, a hard lookup
# The output taken to be the value of the key with the largest weight.
# %% one_query
one_query = {"weights": [0.665, 0.090, 0.245], "output": [1, 0], "masked_output": [0.731, 1.0]}
