# expect: partial
# feedback: are blocked for every head and every query of sequence 1
# Only the mask's own 3 False entries counted.
# %% padded_batch
padded_batch = {"weights": (2, 8, 5, 7), "output": (2, 8, 5, 32), "zeros": 3}
