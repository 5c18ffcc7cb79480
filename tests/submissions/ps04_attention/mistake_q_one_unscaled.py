# expect: partial
# feedback: those are the weights without the division by sqrt(d_k) = 2
# softmax(4, 0, 2): the scaling left out.
# %% one_query
one_query = {"weights": [0.867, 0.016, 0.117], "output": [0.984, 0.133], "masked_output": [0.881, 1.0]}
