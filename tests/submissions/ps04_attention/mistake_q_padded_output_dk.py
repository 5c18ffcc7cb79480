# expect: partial
# feedback: the output's last axis is d_v = 32
# The output taken to have the queries' shape.
# %% padded_batch
padded_batch = {"weights": (2, 8, 5, 7), "output": (2, 8, 5, 64), "zeros": 120}
