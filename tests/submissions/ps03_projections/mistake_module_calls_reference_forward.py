# expect: zero
# feedback: QKVProjection calls qkv_course.nn.QKVProjection
# %% QKVProjection
import qkv_course.nn as cnn
Base = type("Base", (nn.Module,), {})
class QKVProjection(nn.Module):
    def __init__(self, d_model, d_k, d_v):
        super().__init__()
        self.inner = cnn.QKVProjection.__new__(cnn.QKVProjection)
        nn.Module.__init__(self.inner)
        self.inner.W_q = nn.Linear(d_model, d_k, bias=False)
        self.inner.W_k = nn.Linear(d_model, d_k, bias=False)
        self.inner.W_v = nn.Linear(d_model, d_v, bias=False)
        self.inner.d_model = d_model
    def forward(self, X):
        return cnn.QKVProjection.forward(self.inner, X)
