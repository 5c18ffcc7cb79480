"""Torch versions of the book's building blocks, as ``nn.Module`` s.

They compute exactly what the numpy functions compute (the book checks this),
but with learnable parameters and autograd, ready to train.
"""

from __future__ import annotations

import math

import torch
from torch import nn

__all__ = ["QKVProjection", "to_tensor"]


def to_tensor(x) -> torch.Tensor:
    """A float64 tensor from a numpy array (the book compares with numpy in float64)."""
    return torch.as_tensor(x, dtype=torch.float64)


class QKVProjection(nn.Module):
    """Three learned linear maps of the same tokens.

    forward(X: (..., n, d_model)) -> (Q (..., n, d_k), K (..., n, d_k), V (..., n, d_v)).
    ``bias=False`` by default, as in the numpy :func:`qkv_course.projections.project_qkv`.
    """

    def __init__(self, d_model: int, d_k: int, d_v: int | None = None, bias: bool = False):
        super().__init__()
        d_v = d_k if d_v is None else d_v
        self.d_model, self.d_k, self.d_v = d_model, d_k, d_v
        self.W_q = nn.Linear(d_model, d_k, bias=bias)
        self.W_k = nn.Linear(d_model, d_k, bias=bias)
        self.W_v = nn.Linear(d_model, d_v, bias=bias)

    def forward(self, X: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        if X.shape[-1] != self.d_model:
            raise ValueError(f"X has {X.shape[-1]} features (shape {tuple(X.shape)}) but this layer expects d_model={self.d_model}")
        return self.W_q(X), self.W_k(X), self.W_v(X)

    def load_numpy(self, W_q, W_k, W_v) -> "QKVProjection":
        """Copy numpy matrices (d_model, d_out) into the layer (nn.Linear stores their transpose)."""
        with torch.no_grad():
            for layer, W in ((self.W_q, W_q), (self.W_k, W_k), (self.W_v, W_v)):
                layer.weight.copy_(torch.as_tensor(W, dtype=layer.weight.dtype).T)
        return self
