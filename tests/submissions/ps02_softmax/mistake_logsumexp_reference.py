# expect: partial
# feedback: logsumexp calls qkv_course.softmax.logsumexp
# %% logsumexp
from qkv_course import softmax as course_softmax

def logsumexp(x, axis=-1):
    return course_softmax.logsumexp(x, axis=axis)
