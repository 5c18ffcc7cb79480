# expect: partial
# feedback: dot_scores calls qkv_course.search.dot_scores
# %% dot_scores
from qkv_course.search import dot_scores as reference_scores

def dot_scores(query, keys):
    return reference_scores(query, keys)
