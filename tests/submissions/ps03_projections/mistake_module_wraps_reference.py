# expect: partial
# feedback: QKVProjection calls qkv_course.nn.QKVProjection
# feedback: yourself from torch building blocks (nn.Linear or nn.Parameter)
# %% QKVProjection
from qkv_course.nn import QKVProjection as Ready


class QKVProjection(nn.Module):
    def __init__(self, d_model, d_k, d_v):
        super().__init__()
        self.inner = Ready(d_model, d_k, d_v)

    def forward(self, X):
        return self.inner(X)
