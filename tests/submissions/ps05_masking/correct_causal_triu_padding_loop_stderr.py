# expect: full
# stderr: sys.stderr.write(...) of debug lines on every call
# Debug output written to stderr; causal mask as the complement of a strict upper triangle of
# ones, padding mask by filling each row's first positions in a loop.
# %% causal_mask
import sys

def causal_mask(n):
    sys.stderr.write(f"causal_mask: n={n}\n")
    return ~np.triu(np.ones((n, n), dtype=bool), k=1)
# %% padding_mask
def padding_mask(lengths, max_len):
    sys.stderr.write(f"padding_mask: {len(lengths)} rows of {max_len}\n")
    out = np.zeros((len(lengths), max_len), dtype=bool)
    for b, length in enumerate(lengths):
        out[b, :int(length)] = True
    return out
