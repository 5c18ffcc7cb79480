# expect: partial
# feedback: the weights of keys 1 and 2 must be renormalised
# The masked key's weight zeroed after the softmax, the rest left as they were.
# %% one_query
one_query = {"weights": [0.665, 0.090, 0.245], "output": [0.910, 0.335], "masked_output": [0.245, 0.335]}
