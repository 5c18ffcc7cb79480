# expect: full
# stderr: numpy RuntimeWarnings (divide by zero, invalid value in divide) from its own division when window = 0
# Distances measured in windows, |i - j| / window <= 1. For window = 0 that divides by zero
# (0/0 = nan on the diagonal, inf elsewhere): numpy warns on stderr, and the diagonal, where a
# query always sees its own key, is added back. Counts written with the product factored out.
# %% attention_flops
def attention_flops(n_q, n_k, d_k, d_v):
    multiply_adds = n_q * n_k * (d_k + d_v)   # per (query, key) pair: d_k for its score, d_v for its value
    return 2 * multiply_adds
# %% attention_memory_bytes
import math


def attention_memory_bytes(n_q, n_k, itemsize=4):
    return math.prod((n_q, n_k, itemsize))
# %% local_window_mask
def local_window_mask(n, window):
    positions = np.arange(n)
    distance = np.abs(np.subtract.outer(positions, positions))
    in_windows = distance / window            # window = 0: RuntimeWarning, nan and inf
    return (in_windows <= 1) | (distance == 0)
