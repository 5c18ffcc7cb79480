# expect: partial
# feedback: raised SystemExit
# sys.exit() inside a graded function costs that function's tests only.
# %% self_attention
import sys

def self_attention(X, W_q, W_k, W_v, mask=None):
    out = scaled_dot_product_attention(X @ W_q, X @ W_k, X @ W_v, mask)
    sys.exit("done")
