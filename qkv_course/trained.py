"""Chapter 11a: watch attention being learned on a task whose right answer is known.

The task is the search analogy once more, as **key-value retrieval**. A sequence holds
``n_pairs`` items, each a (key, value) pair of symbols with all keys different, followed by one
query item that carries only a key (one of the pair keys) and a "?" value:

    (k3, v7) (k0, v1) (k5, v5) (k1, v0) (k6, v2) (k2, v4) | (k5, ?)   ->  answer v5

The model must answer with the value paired with the queried key. Its one attention layer can
only do that by attending, from the query position, to the item whose key matches: the expected
attention pattern is known before any training, and :func:`target_attention` measures whether
the trained model found it.

Every item is one token: the sum of a learned key embedding and a learned value embedding (the
query's value is the extra "?" symbol). One single-head self-attention layer
(:class:`qkv_course.nn.MultiHeadAttention` with ``num_heads=1``) mixes the tokens; a linear
readout of the query position's output gives logits over the values. Training is seeded,
runs on the CPU and is deterministic.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

__all__ = ["RetrievalData", "make_retrieval_data", "RetrievalModel", "train_retrieval",
           "predict", "accuracy", "query_attention", "target_attention", "TrainResult"]


@dataclass(frozen=True)
class RetrievalData:
    """A batch of retrieval examples (N examples, n_pairs items + 1 query item).

    keys: int (N, n_pairs + 1), the last column is the queried key;
    values: int (N, n_pairs + 1), the last column is ``n_values`` (the "?" symbol);
    target: int (N,), the position of the item whose key is queried (the expected attention);
    answer: int (N,), the value to retrieve, ``values[i, target[i]]``.
    """

    keys: np.ndarray
    values: np.ndarray
    target: np.ndarray
    answer: np.ndarray

    def __len__(self) -> int:
        return len(self.answer)


def make_retrieval_data(n_examples: int, n_pairs: int = 6, n_keys: int = 16, n_values: int = 16,
                        seed: int = 0) -> RetrievalData:
    """``n_examples`` random examples from ``np.random.default_rng(seed)``: distinct keys drawn
    from ``range(n_keys)`` per example, values drawn (with repeats) from ``range(n_values)``,
    and a uniformly chosen pair to query."""
    if n_pairs > n_keys:
        raise ValueError(f"n_pairs={n_pairs} distinct keys cannot be drawn from n_keys={n_keys}")
    rng = np.random.default_rng(seed)
    pair_keys = np.argsort(rng.random((n_examples, n_keys)), axis=1)[:, :n_pairs]
    pair_values = rng.integers(0, n_values, size=(n_examples, n_pairs))
    target = rng.integers(0, n_pairs, size=n_examples)
    rows = np.arange(n_examples)
    keys = np.concatenate([pair_keys, pair_keys[rows, target][:, None]], axis=1)
    values = np.concatenate([pair_values, np.full((n_examples, 1), n_values)], axis=1)
    return RetrievalData(keys=keys, values=values, target=target, answer=pair_values[rows, target])


def _torch():
    import torch
    return torch


def RetrievalModel(n_keys: int = 16, n_values: int = 16, d_model: int = 32, attention=None):
    """The one-attention-layer retrieval model (a ``torch.nn.Module``).

    forward(keys (N, m), values (N, m)) -> (logits (N, n_values), weights (N, m, m)):
    tokens = key_embedding[keys] + value_embedding[values] (values may be the "?" symbol
    ``n_values``); (output, weights) = single-head self-attention of the tokens;
    logits = readout(output at the last, query, position).

    ``attention``: a function ``d_model -> nn.Module`` making the attention layer (whose
    forward(tokens) returns (output, weights)), for a model built around another attention;
    default: the course's one-head :class:`qkv_course.nn.MultiHeadAttention`.
    """
    torch = _torch()
    from torch import nn

    if attention is None:
        from .nn import MultiHeadAttention

        def attention(d: int) -> nn.Module:
            return MultiHeadAttention(d, num_heads=1)

    class _RetrievalModel(nn.Module):
        def __init__(self):
            super().__init__()
            self.n_keys, self.n_values, self.d_model = n_keys, n_values, d_model
            self.key_embedding = nn.Embedding(n_keys, d_model)
            self.value_embedding = nn.Embedding(n_values + 1, d_model)
            self.attention = attention(d_model)
            self.readout = nn.Linear(d_model, n_values)

        def forward(self, keys, values):
            keys = torch.as_tensor(np.asarray(keys), dtype=torch.long)
            values = torch.as_tensor(np.asarray(values), dtype=torch.long)
            tokens = self.key_embedding(keys) + self.value_embedding(values)   # (N, m, d)
            output, weights = self.attention(tokens)                           # (N, m, d), (N, m, m)
            return self.readout(output[:, -1]), weights

    return _RetrievalModel()


@dataclass
class TrainResult:
    """What :func:`train_retrieval` returns: the trained ``model``, the training ``losses`` (one
    per step), the ``seconds`` it took, and the untrained model's copy ``initial``."""

    model: object
    initial: object
    losses: list[float]
    seconds: float


def train_retrieval(steps: int = 400, batch_size: int = 128, lr: float = 1e-2, seed: int = 0,
                    n_pairs: int = 6, n_keys: int = 16, n_values: int = 16, d_model: int = 32,
                    threads: int = 1, attention=None) -> TrainResult:
    """Train :func:`RetrievalModel` with Adam and cross-entropy for ``steps`` steps on fresh
    batches from :func:`make_retrieval_data` (seeds ``seed * 100_000 + step``), on the CPU with
    ``torch.manual_seed(seed)`` and ``threads`` threads: the same arguments give the same model,
    to the bit, on the same machine. ``attention``: see :func:`RetrievalModel`."""
    import copy

    torch = _torch()
    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    model = RetrievalModel(n_keys, n_values, d_model, attention=attention)
    initial = copy.deepcopy(model)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    start = time.perf_counter()
    for step in range(steps):
        data = make_retrieval_data(batch_size, n_pairs, n_keys, n_values, seed=seed * 100_000 + step + 1)
        logits, _ = model(data.keys, data.values)
        loss = torch.nn.functional.cross_entropy(logits, torch.as_tensor(data.answer))
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(float(loss.detach()))
    model.eval()
    return TrainResult(model=model, initial=initial, losses=losses, seconds=time.perf_counter() - start)


def predict(model, data: RetrievalData) -> tuple[np.ndarray, np.ndarray]:
    """(predicted values (N,), attention weights (N, m, m)) as numpy arrays, without gradients."""
    torch = _torch()
    with torch.no_grad():
        logits, weights = model(data.keys, data.values)
    return logits.argmax(dim=-1).numpy(), weights.double().numpy()


def accuracy(model, data: RetrievalData) -> float:
    """Fraction of examples whose predicted value is the answer."""
    return float(np.mean(predict(model, data)[0] == data.answer))


def query_attention(model, data: RetrievalData) -> np.ndarray:
    """(N, n_pairs + 1): the attention weights of the query (last) position over all items."""
    return predict(model, data)[1][:, -1, :]


def target_attention(weights: np.ndarray, target: np.ndarray) -> tuple[float, float]:
    """How well attention rows point at the expected positions.

    weights: (N, m), one attention row per example (each row sums to 1); target: int (N,).
    Returns (mean weight on the target position, fraction of rows whose largest weight is on
    the target position).
    """
    weights = np.asarray(weights, dtype=np.float64)
    target = np.asarray(target)
    if weights.ndim != 2 or target.shape != weights.shape[:1]:
        raise ValueError(f"weights must be (N, m) and target (N,), got {weights.shape} and {target.shape}")
    on_target = weights[np.arange(len(target)), target]
    return float(on_target.mean()), float(np.mean(weights.argmax(axis=1) == target))
