"""Position (chapter 7): what attention cannot see, and how models tell it.

Self-attention compares every query with every key by content alone, so permuting the tokens
permutes the outputs the same way (it is *permutation-equivariant*): "dog bites man" and "man
bites dog" get the same bag of outputs. Models tell positions apart in three ways:

* **absolute** positions added to the token embeddings: fixed sinusoids
  (:func:`sinusoidal_positions`, Vaswani et al. 2017) or a learned table (BERT, MiniLM);
* **rotary** positions (RoPE, Su et al. 2021): queries and keys are rotated, feature pair by
  feature pair, by angles proportional to their positions (:func:`apply_rope`), so the score
  ``q_i . k_j`` depends on positions only through ``i - j``;
* **relative biases** added to the scores before the softmax (ALiBi, Press et al. 2022:
  :func:`alibi_bias`).

Conventions: positions count from 0; feature pairs of RoPE use the *half-split* layout (feature
``t`` is paired with ``t + d/2``, as in GPT-NeoX and Llama's Hugging Face code) unless a function
says *interleaved* (features ``2t`` and ``2t + 1``, as in the RoFormer paper and Meta's Llama code).
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from .attention import scaled_dot_product_attention
from .validation import as_array

__all__ = [
    "sinusoidal_positions",
    "rope_frequencies",
    "rope_angles",
    "apply_rope",
    "apply_rope_interleaved",
    "interleaved_to_half_split",
    "rope_attention",
    "alibi_slopes",
    "alibi_bias",
    "is_permutation_equivariant",
    "TASKS",
    "SCHEMES",
    "position_task",
    "train_position_model",
]


def _whole(value: int, name: str, minimum: int = 1) -> int:
    if isinstance(value, bool) or int(value) != value or value < minimum:
        raise ValueError(f"{name} must be a whole number >= {minimum}, got {value!r}")
    return int(value)


def _base(base: float) -> float:
    base = float(base)
    if not np.isfinite(base) or base <= 1:
        raise ValueError(f"base must be a finite number greater than 1, got {base!r}")
    return base


def _positions(positions: np.ndarray | list[int], n: int) -> np.ndarray:
    """Positions as float64, checked to give one position per token of a sequence of length ``n``
    (shape (n,), or broadcastable to (..., n))."""
    p = as_array(positions, "positions", min_ndim=1)
    if p.shape[-1] != n:
        raise ValueError(f"positions has {p.shape[-1]} entries on its last axis but there are {n} "
                         "tokens: give one position per token (shape (n,) or (..., n))")
    return p


def sinusoidal_positions(n: int, d: int, base: float = 10000.0) -> np.ndarray:
    """The fixed sinusoidal position encodings of Vaswani et al. (2017): (n, d) float64 with

        P[p, 2i] = sin(p / base^(2i/d)),   P[p, 2i+1] = cos(p / base^(2i/d))

    for positions p = 0..n-1. Feature pair i turns at angular frequency base^(-2i/d): the first
    pair once per 2*pi positions, the last almost never (wavelengths 2*pi .. 2*pi*base). An odd
    ``d`` ends with a lone sine column.
    """
    n, d, base = _whole(n, "n"), _whole(d, "d"), _base(base)
    pair = np.arange(d) // 2                         # feature j belongs to pair j // 2
    angles = np.arange(n)[:, None] / base ** (2 * pair / d)[None, :]
    return np.where(np.arange(d) % 2 == 0, np.sin(angles), np.cos(angles))


def rope_frequencies(d: int, base: float = 10000.0) -> np.ndarray:
    """(d/2,) angular frequencies of RoPE's feature pairs: theta_i = base^(-2i/d), i = 0..d/2-1."""
    d = _whole(d, "d")
    if d % 2:
        raise ValueError(f"RoPE rotates features in pairs, so d must be even, got d={d}")
    return _base(base) ** (-2.0 * np.arange(d // 2) / d)


def rope_angles(positions: np.ndarray, d: int, base: float = 10000.0) -> np.ndarray:
    """positions: (..., n) -> angles (..., n, d/2): position p times each pair's frequency."""
    p = as_array(positions, "positions", min_ndim=1)
    return p[..., None] * rope_frequencies(d, base)


def _rope_input(X: np.ndarray, positions: np.ndarray, base: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    X = as_array(X, "X", min_ndim=2)
    d = X.shape[-1]
    if d % 2:
        raise ValueError(f"RoPE rotates features in pairs, so the feature size must be even; "
                         f"X has shape {X.shape} (d={d})")
    angles = rope_angles(_positions(positions, X.shape[-2]), d, base)
    return X, np.cos(angles), np.sin(angles)


def apply_rope(X: np.ndarray, positions: np.ndarray, base: float = 10000.0) -> np.ndarray:
    """Rotary position embedding, half-split layout.

    X: (..., n, d) with d even; positions: (n,) or broadcastable to (..., n).
    Feature t is paired with feature t + d/2, and pair i of token p is rotated by the angle
    p * base^(-2i/d):  (x1, x2) -> (x1 cos - x2 sin, x1 sin + x2 cos).
    Returns (..., n, d) float64. Rotations keep each pair's length, so norms are unchanged.
    """
    X, cos, sin = _rope_input(X, positions, base)
    half = X.shape[-1] // 2
    x1, x2 = X[..., :half], X[..., half:]
    return np.concatenate([x1 * cos - x2 * sin, x1 * sin + x2 * cos], axis=-1)


def apply_rope_interleaved(X: np.ndarray, positions: np.ndarray, base: float = 10000.0) -> np.ndarray:
    """Rotary position embedding, interleaved layout: features 2i and 2i+1 form pair i.
    Shapes and angles as :func:`apply_rope`."""
    X, cos, sin = _rope_input(X, positions, base)
    x1, x2 = X[..., 0::2], X[..., 1::2]
    out = np.empty_like(X)
    out[..., 0::2] = x1 * cos - x2 * sin
    out[..., 1::2] = x1 * sin + x2 * cos
    return out


def interleaved_to_half_split(d: int) -> np.ndarray:
    """(d,) index array ``perm`` with ``X[..., perm]`` moving interleaved pairs (2i, 2i+1) to
    half-split places (i, i + d/2): then ``apply_rope(X[..., perm], p) ==
    apply_rope_interleaved(X, p)[..., perm]``."""
    d = _whole(d, "d")
    if d % 2:
        raise ValueError(f"d must be even, got d={d}")
    return np.concatenate([np.arange(0, d, 2), np.arange(1, d, 2)])


def rope_attention(
    Q: np.ndarray, K: np.ndarray, V: np.ndarray, positions_q: np.ndarray, positions_k: np.ndarray,
    mask: np.ndarray | None = None, base: float = 10000.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Scaled dot-product attention with rotary positions: queries and keys are rotated by
    their positions (:func:`apply_rope`), values are not.

    Q: (..., n_q, d_k), K: (..., n_k, d_k), V: (..., n_k, d_v), positions_q: (n_q,),
    positions_k: (n_k,), mask: bool broadcastable to (..., n_q, n_k), True = may attend.
    Returns (output (..., n_q, d_v), weights (..., n_q, n_k)).
    """
    return scaled_dot_product_attention(apply_rope(Q, positions_q, base), apply_rope(K, positions_k, base), V, mask)


def alibi_slopes(num_heads: int) -> np.ndarray:
    """(num_heads,) ALiBi slopes (Press et al. 2022): for a power of two h, the geometric
    sequence 2^(-8/h), 2^(-16/h), ..., 2^(-8); otherwise the slopes of the power of two below h
    followed by every other slope of the power of two above it (the paper's recipe)."""
    h = _whole(num_heads, "num_heads")

    def powers_of_two(k: int) -> np.ndarray:
        return 2.0 ** (-8.0 * np.arange(1, k + 1) / k)

    below = 2 ** int(np.floor(np.log2(h)))
    if below == h:
        return powers_of_two(h)
    return np.concatenate([powers_of_two(below), powers_of_two(2 * below)[0::2][: h - below]])


def alibi_bias(positions_q: np.ndarray, positions_k: np.ndarray, slopes: np.ndarray) -> np.ndarray:
    """ALiBi's bias on the scores: (h, n_q, n_k) = -slope_h * |i - j|, added before the softmax,
    so each head prefers nearby keys, more strongly the larger its slope. (With a causal mask only
    j <= i is ever used, which is the paper's form.)"""
    pq = as_array(positions_q, "positions_q", ndim=1)
    pk = as_array(positions_k, "positions_k", ndim=1)
    m = as_array(slopes, "slopes", ndim=1)
    return -m[:, None, None] * np.abs(pq[:, None] - pk[None, :])[None]


def is_permutation_equivariant(f: Callable[[np.ndarray], np.ndarray], X: np.ndarray,
                               rng: np.random.Generator, trials: int = 5, atol: float = 1e-9) -> bool:
    """Whether f, a map from token rows (n, d) to output rows (n, d_out), commutes with shuffling
    the tokens: f(X[perm]) == f(X)[perm] for ``trials`` random permutations ``perm`` of the rows
    (to ``atol``). Self-attention without positions passes; with any position scheme it fails."""
    X = as_array(X, "X", ndim=2)
    out = np.asarray(f(X), dtype=np.float64)
    for _ in range(_whole(trials, "trials")):
        perm = rng.permutation(X.shape[0])
        if not np.allclose(np.asarray(f(X[perm]), dtype=np.float64), out[perm], rtol=0, atol=atol):
            return False
    return True


# ----------------------------------------------------------------------------------- what each buys
# A one-layer attention model trained briefly on two tasks that need position: "previous" (each
# position outputs the token just before it: a *relative* offset) and "reverse" (position i outputs
# the token at n-1-i: an *absolute* place). torch is imported only here.

TASKS = ("previous", "reverse")
SCHEMES = ("none", "sinusoidal", "rope")


def position_task(task: str, n: int, vocab: int, count: int, rng: np.random.Generator
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``count`` random sequences of ``n`` tokens from ``vocab``: (tokens, targets, scored), each
    (count, n); ``scored`` is False where a position has no answer (the first one, for "previous")."""
    tokens = rng.integers(0, vocab, size=(count, n))
    scored = np.ones((count, n), dtype=bool)
    if task == "reverse":
        return tokens, tokens[:, ::-1].copy(), scored
    if task == "previous":
        scored[:, 0] = False
        return tokens, np.roll(tokens, 1, axis=1), scored
    raise ValueError(f"task must be one of {TASKS}, got {task!r}")


def _rope_torch(x, base: float):
    import torch

    n, d = x.shape[-2], x.shape[-1]
    angles = torch.tensor(rope_angles(np.arange(n), d, base), dtype=x.dtype)   # (n, d/2)
    cos, sin = torch.cos(angles), torch.sin(angles)
    x1, x2 = x[..., : d // 2], x[..., d // 2:]
    return torch.cat([x1 * cos - x2 * sin, x1 * sin + x2 * cos], dim=-1)


def train_position_model(task: str, scheme: str, *, n: int = 8, vocab: int = 16, d: int = 32,
                         steps: int = 400, seed: int = 0, rope_base: float = 100.0) -> float:
    """Train a one-head, one-layer attention model (embedding, positions by ``scheme``, Q/K/V,
    softmax attention over the whole sequence, a linear read-out) on ``task`` for ``steps`` Adam
    steps of 128 sequences, seeded; returns its accuracy on 2000 fresh sequences (scored positions).

    scheme: "none" (the model is permutation-equivariant), "sinusoidal" (added to the embeddings)
    or "rope" (queries and keys rotated, half-split layout, with ``rope_base``: short sequences
    need faster rotations than the usual 10000 to tell neighbours apart)."""
    import torch
    from torch import nn

    if scheme not in SCHEMES:
        raise ValueError(f"scheme must be one of {SCHEMES}, got {scheme!r}")
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    embed, q, k, v, out = (nn.Embedding(vocab, d), nn.Linear(d, d), nn.Linear(d, d), nn.Linear(d, d),
                           nn.Linear(d, vocab))
    params = [p for m in (embed, q, k, v, out) for p in m.parameters()]
    P = torch.tensor(sinusoidal_positions(n, d), dtype=torch.float32)

    def forward(tokens: np.ndarray):
        x = embed(torch.as_tensor(tokens))
        if scheme == "sinusoidal":
            x = x + P
        Q, K = q(x), k(x)
        if scheme == "rope":
            Q, K = _rope_torch(Q, rope_base), _rope_torch(K, rope_base)
        weights = torch.softmax(Q @ K.transpose(-1, -2) / d ** 0.5, dim=-1)
        return out(weights @ v(x))

    optimizer = torch.optim.Adam(params, lr=3e-3)
    for _ in range(steps):
        tokens, targets, scored = position_task(task, n, vocab, 128, rng)
        s = torch.as_tensor(scored)
        loss = nn.functional.cross_entropy(forward(tokens)[s], torch.as_tensor(targets)[s])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    tokens, targets, scored = position_task(task, n, vocab, 2000, np.random.default_rng(seed + 10_000))
    with torch.no_grad():
        predicted = forward(tokens).argmax(-1).numpy()
    return float((predicted == targets)[scored].mean())
