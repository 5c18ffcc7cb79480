# expect: full
# stderr: os.write(2, ...), bytes straight to file descriptor 2 (past sys.stderr)
# Debug output written with os.write to the process's stderr; causal mask as the complement of
# a strict upper triangle of ones, padding mask by comparing each row's positions in a loop.
# %% causal_mask
import os

def causal_mask(n):
    os.write(2, f"causal_mask: n={n}\n".encode())
    return ~np.triu(np.ones((n, n), dtype=bool), k=1)
# %% padding_mask
def padding_mask(lengths, max_len):
    os.write(2, f"padding_mask: {len(lengths)} rows of {max_len}\n".encode())
    out = np.zeros((len(lengths), max_len), dtype=bool)
    for b, length in enumerate(lengths):
        out[b, :int(length)] = True
    return out
