# expect: partial
# feedback: the mask is inverted
# False read as "may attend": only key 0 left.
# %% one_query
one_query = {"weights": [0.665, 0.090, 0.245], "output": [0.910, 0.335], "masked_output": [1, 0]}
