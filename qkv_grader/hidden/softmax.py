"""Hidden cases of ps02 (instructor side only): the inputs that
:mod:`qkv_course.checks.softmax`'s checks use with ``hidden=True``."""

from __future__ import annotations

import numpy as np

from qkv_course.checks.softmax import Case, _padding, _rng


def softmax_cases():
    """The hidden inputs of _softmax_cases."""
    offsets = np.array([1e4, 0.0, -1e4])[:, None]
    far = 3 * _rng(6).normal(size=(2, 3, 5)) + offsets
    far[0, 0] = [1e4, -1e4, 0.0, 5e3, 1e4 - 1]
    columns = np.array([[1e4, -1e4], [1e4 - 2, -1e4 + 1], [0.0, -1e4 + 0.5]])
    return [
        Case({"x": np.array([5.0])}),
        Case({"x": 3 * _rng(1).normal(size=(4, 6))}),
        Case({"x": _rng(2).normal(size=(2, 3, 5))}, {"axis": 1}),
        Case({"x": 2 * _rng(3).normal(size=(2, 1, 3, 4))}),
        Case({"x": _rng(4).normal(size=(3, 4, 2))}, {"axis": 0}),
        Case({"x": _rng(5).normal(size=(2, 3, 4))}, {"axis": -2}),
        Case({"x": far}),
        Case({"x": columns}, {"axis": 0}),
        Case({"x": np.full((2, 4), 7.0)}),
        Case({"x": _rng(7).normal(size=(3, 1))}),
    ]


def logsumexp_cases():
    """The hidden inputs of _logsumexp_cases."""
    far = 2 * _rng(16).normal(size=(3, 2, 4)) + np.array([1e4, 0.0, -1e4])[:, None, None]
    far[1, 0] = [1e4, -1e4, 0.0, 1e4 - 3]
    return [
        Case({"x": np.array([5.0])}),
        Case({"x": _rng(11).normal(size=(2, 3, 4))}),
        Case({"x": _rng(12).normal(size=(2, 1, 3, 4))}),
        Case({"x": _rng(13).normal(size=(3, 4, 2))}, {"axis": 0}),
        Case({"x": _rng(14).normal(size=(2, 3, 4))}, {"axis": 1}),
        Case({"x": far}),
        Case({"x": np.swapaxes(far, 0, 2)}, {"axis": 0}),
        Case({"x": _rng(17).normal(size=(4, 1))}),
    ]


def masked_softmax_cases():
    """The hidden inputs of _masked_softmax_cases."""
    T, F = True, False
    big = np.array([[1e4, -1e4, 0.0], [0.3 - 1e4, 1.0 - 1e4, 1e4]])   # 0.3 - 1e4: see _softmax_cases
    big_mask = np.array([[F, T, T], [T, T, F]])
    causal = np.tril(np.ones((4, 4), dtype=bool))
    random_mask = _rng(28).random((5, 6)) < 0.6
    random_mask[2] = False
    column_mask = _rng(29).random((2, 3, 4)) < 0.6
    column_mask[1, :, 2] = False
    big_batch = np.stack([big, -big])                      # (2, 2, 3)
    big_batch_mask = np.stack([big_mask, np.array([[T, T, F], [F, F, F]])])
    return [
        Case({"scores": _rng(21).normal(size=(2, 4, 4)), "mask": causal}),
        Case({"scores": _rng(22).normal(size=(3, 2, 5)), "mask": _padding([5, 2, 0], 5)[:, None, :]}),
        Case({"scores": 2 * _rng(23).normal(size=(2, 2, 3, 4)),
              "mask": _padding([4, 1], 4)[:, None, None, :] & np.tril(np.ones((3, 4), dtype=bool), 1)}),
        Case({"scores": _rng(24).normal(size=(3, 4)), "mask": np.array([[T], [F], [T]])}, {"axis": 0}),
        Case({"scores": _rng(25).normal(size=(2, 3, 4)), "mask": column_mask}, {"axis": -2}),
        Case({"scores": big_batch, "mask": big_batch_mask}),
        Case({"scores": _rng(26).normal(size=(4, 4)), "mask": np.array([T, T, F, T])}),
        Case({"scores": _rng(27).normal(size=(2, 3)), "mask": np.ones((2, 3), dtype=bool)}),
        Case({"scores": np.array([[2.0], [3.0], [-1.0]]), "mask": np.array([[T], [F], [T]])}),
        Case({"scores": _rng(30).normal(size=(5, 6)), "mask": random_mask}),
    ]
