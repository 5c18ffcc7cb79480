# expect: zero
# feedback: project_qkv calls qkv_course.projections.project_qkv
# feedback: QKVProjection inherits from the course's qkv_course.nn.QKVProjection
# %% project_qkv
import importlib
def project_qkv(X, W_q, W_k, W_v):
    return getattr(importlib.import_module("qkv_course.projections"), "project_qkv")(X, W_q, W_k, W_v)
# %% QKVProjection
import qkv_course.nn as cnn
QKVProjection = cnn.QKVProjection
