# expect: partial
# feedback: only sequence 1 is padded
# The last 3 keys taken to be blocked in both sequences.
# %% padded_batch
padded_batch = {"weights": (2, 8, 5, 7), "output": (2, 8, 5, 32), "zeros": 240}
