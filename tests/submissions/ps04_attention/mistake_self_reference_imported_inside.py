# expect: partial
# feedback: self_attention calls qkv_course.attention.self_attention
# Imports the reference self_attention inside the function.
# %% self_attention
def self_attention(X, W_q, W_k, W_v, mask=None):
    import qkv_course.attention as a
    return a.self_attention(X, W_q, W_k, W_v, mask)
