# expect: zero
# feedback: qkv_course.block.gelu
# Calls the course's own GELU instead of writing it.
# %% feed_forward
def feed_forward(X, W1, b1, W2, b2):
    from qkv_course.block import gelu
    return gelu(X @ W1 + b1) @ W2 + b2
