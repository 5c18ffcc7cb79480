# expect: partial
# feedback: head axis of size 1 broadcasts over all 8 heads
# 5 queries x 3 keys, the heads forgotten.
# %% padded_batch
padded_batch = {"weights": (2, 8, 5, 7), "output": (2, 8, 5, 32), "zeros": 15}
