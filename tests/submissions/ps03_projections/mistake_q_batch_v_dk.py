# expect: partial
# feedback: V's last axis is d_v, the number of columns of W_v
# V given the queries' length d_k.
# %% batch_shapes
batch_shapes = {"V": (3, 5, 8), "K_T": (8, 5, 3), "np_dot": (3, 5, 3, 5)}
