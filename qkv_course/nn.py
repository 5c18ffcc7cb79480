"""Torch versions of the book's building blocks, as ``nn.Module`` s.

They compute exactly what the numpy functions compute (the book checks this),
but with learnable parameters and autograd, ready to train.
"""

from __future__ import annotations

import math

import torch
from torch import nn

__all__ = ["QKVProjection", "MultiHeadAttention", "copy_from_torch", "numpy_weights", "to_tensor"]


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


class MultiHeadAttention(nn.Module):
    """Multi-head self-attention that computes what ``torch.nn.MultiheadAttention`` computes.

    MultiHeadAttention(d_model, num_heads, bias=True): four ``nn.Linear(d_model, d_model)``
    maps ``W_q``, ``W_k``, ``W_v`` (the projections of all heads at once) and ``W_o`` (the
    output projection), with biases by default, as in ``nn.MultiheadAttention``.

    forward(X: (..., n, d_model), mask=None, average_attn_weights=True)
    -> (output (..., n, d_model), weights (..., n, n) averaged over the heads, or
    (..., num_heads, n, n) with ``average_attn_weights=False``).
    mask: bool, broadcastable to (..., n, n), **True = may attend** (the opposite of
    ``nn.MultiheadAttention``'s boolean ``attn_mask``), the same for every head. A query with
    no allowed key gets zero weights (torch's layer gives NaN there).
    :func:`copy_from_torch` loads a ``nn.MultiheadAttention``'s weights.
    """

    def __init__(self, d_model: int, num_heads: int, bias: bool = True):
        super().__init__()
        if num_heads < 1 or d_model % num_heads:
            raise ValueError(f"d_model={d_model} features cannot be split evenly into "
                             f"num_heads={num_heads} heads")
        self.d_model, self.num_heads, self.d_head = d_model, num_heads, d_model // num_heads
        self.W_q = nn.Linear(d_model, d_model, bias=bias)
        self.W_k = nn.Linear(d_model, d_model, bias=bias)
        self.W_v = nn.Linear(d_model, d_model, bias=bias)
        self.W_o = nn.Linear(d_model, d_model, bias=bias)

    def split_heads(self, X: torch.Tensor) -> torch.Tensor:
        """(..., n, d_model) -> (..., num_heads, n, d_head)."""
        return X.unflatten(-1, (self.num_heads, self.d_head)).transpose(-3, -2)

    @staticmethod
    def merge_heads(X: torch.Tensor) -> torch.Tensor:
        """(..., num_heads, n, d_head) -> (..., n, num_heads * d_head)."""
        return X.transpose(-3, -2).flatten(-2)

    def forward(self, X: torch.Tensor, mask=None, average_attn_weights: bool = True
                ) -> tuple[torch.Tensor, torch.Tensor]:
        if X.shape[-1] != self.d_model:
            raise ValueError(f"X has {X.shape[-1]} features (shape {tuple(X.shape)}) but this layer "
                             f"expects d_model={self.d_model}")
        Q, K, V = (self.split_heads(W(X)) for W in (self.W_q, self.W_k, self.W_v))
        scores = Q @ K.transpose(-1, -2) / math.sqrt(self.d_head)        # (..., H, n, n)
        if mask is not None:
            allowed = torch.as_tensor(mask, dtype=torch.bool, device=X.device)
            allowed = allowed.broadcast_to(X.shape[:-2] + (X.shape[-2],) * 2).unsqueeze(-3)
            scores = scores.masked_fill(~allowed, float("-inf"))
        top = scores.amax(dim=-1, keepdim=True).detach()
        exps = torch.exp(scores - torch.where(torch.isfinite(top), top, torch.zeros_like(top)))
        total = exps.sum(dim=-1, keepdim=True)
        weights = exps / torch.where(total > 0, total, torch.ones_like(total))
        output = self.W_o(self.merge_heads(weights @ V))
        return output, (weights.mean(dim=-3) if average_attn_weights else weights)

    def load_numpy(self, W_q, W_k, W_v, W_o) -> "MultiHeadAttention":
        """Copy numpy matrices (d_model, d_model), used as X @ W, into the layer (nn.Linear stores
        their transpose); biases, if any, are set to 0, as in the numpy
        :func:`qkv_course.multihead.multi_head_attention`."""
        with torch.no_grad():
            for layer, W in ((self.W_q, W_q), (self.W_k, W_k), (self.W_v, W_v), (self.W_o, W_o)):
                layer.weight.copy_(torch.as_tensor(W, dtype=layer.weight.dtype).T)
                if layer.bias is not None:
                    layer.bias.zero_()
        return self


def _check_plain(theirs: nn.MultiheadAttention) -> int:
    """theirs' d_model, or ValueError for the variants this course does not cover."""
    if not isinstance(theirs, nn.MultiheadAttention):
        raise TypeError(f"expected a torch.nn.MultiheadAttention, got {type(theirs).__name__}")
    if not theirs._qkv_same_embed_dim or theirs.bias_k is not None or theirs.add_zero_attn:
        raise ValueError("only nn.MultiheadAttention(d_model, num_heads) with kdim = vdim = d_model, "
                         "no add_bias_kv and no add_zero_attn can be copied")
    return theirs.embed_dim


def copy_from_torch(ours: MultiHeadAttention, theirs: nn.MultiheadAttention) -> MultiHeadAttention:
    """Copy a ``torch.nn.MultiheadAttention``'s parameters into ``ours``; returns ``ours``.

    torch keeps the three projections in one ``in_proj_weight`` of shape
    (3 d_model, d_model), rows ``[W_q; W_k; W_v]`` in nn.Linear's (out, in) layout, with
    ``in_proj_bias`` (3 d_model,), and the output projection in ``out_proj``. Sizes, head
    counts and the presence of biases must agree.
    """
    d = _check_plain(theirs)
    if (ours.d_model, ours.num_heads) != (d, theirs.num_heads):
        raise ValueError(f"ours has d_model={ours.d_model}, num_heads={ours.num_heads} but theirs has "
                         f"d_model={d}, num_heads={theirs.num_heads}")
    if (ours.W_q.bias is None) != (theirs.in_proj_bias is None):
        raise ValueError("one layer has biases and the other has not: build both with the same bias=")
    with torch.no_grad():
        for i, layer in enumerate((ours.W_q, ours.W_k, ours.W_v)):
            layer.weight.copy_(theirs.in_proj_weight[i * d:(i + 1) * d])
            if layer.bias is not None:
                layer.bias.copy_(theirs.in_proj_bias[i * d:(i + 1) * d])
        ours.W_o.weight.copy_(theirs.out_proj.weight)
        if ours.W_o.bias is not None:
            ours.W_o.bias.copy_(theirs.out_proj.bias)
    return ours


def numpy_weights(theirs: nn.MultiheadAttention):
    """``(W_q, W_k, W_v, W_o)`` of a bias-free ``nn.MultiheadAttention`` as float64 numpy
    matrices (d_model, d_model) in the course's orientation (used as ``X @ W``), ready for
    :func:`qkv_course.multihead.multi_head_attention`."""
    d = _check_plain(theirs)
    if theirs.in_proj_bias is not None:
        raise ValueError("this layer has biases, which the numpy multi_head_attention does not take: "
                         "build it with bias=False")
    W_in = theirs.in_proj_weight.detach().to(torch.float64).cpu().numpy()
    W_o = theirs.out_proj.weight.detach().to(torch.float64).cpu().numpy()
    return W_in[:d].T, W_in[d:2 * d].T, W_in[2 * d:].T, W_o.T
