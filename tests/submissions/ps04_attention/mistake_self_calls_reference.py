# expect: partial
# feedback: self_attention calls qkv_course.attention.self_attention
# %% self_attention
from qkv_course import attention as course

def self_attention(X, W_q, W_k, W_v, mask=None):
    return course.self_attention(X, W_q, W_k, W_v, mask)
