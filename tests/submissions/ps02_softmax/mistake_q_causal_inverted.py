# expect: partial
# feedback: the mask is inverted
# True read as "blocked": token 2 attends only to key 3.
# %% causal_weights
causal_weights = {"row_2": [0, 0, 0, 1], "zeros": 10}
