"""Checks for assignment ps03, "Queries, keys and values as projections".

Two graded items:

* ``project_qkv(X, W_q, W_k, W_v)`` in numpy: expected results come from
  :func:`qkv_course.projections.project_qkv`, computed before the student's code runs.
* a torch module ``QKVProjection(d_model, d_k, d_v)``. Any three learned linear maps are
  a right answer, so there is no single expected output: the check builds the layer with
  a fixed seed, reads off the matrices it computes (by feeding it the identity matrix, one
  token per embedding feature) and then checks shapes, linearity, batch axes, that the
  three maps are distinct, learnable and have the right number of parameters, and that one
  step of gradient descent changes each matrix the way a learned matrix changes.

The hidden tests' inputs live in :mod:`qkv_grader.hidden.projections`, on the instructor's side
only.

Each ``check_*`` function raises :class:`~qkv_course.checks.core.FeedbackError` with a
targeted message on the first problem. The student's code may not call the course's
reference versions (tripwire).

While a notebook is graded, both are decided outside the student's kernel
(:mod:`qkv_grader.remote`): the layer stays in the kernel, the check calls it through a
handle, and what it needs to know about the layer's parameters and gradients comes from the
course's probes (:mod:`qkv_course.probes`), which can only make it fail.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import combinations
from typing import Any, Callable, NoReturn, Sequence

import numpy as np
import torch
from torch import nn

from .. import probes, projections
from ..emit import Opaque
from ..nn import QKVProjection as _ReferenceLayer
from .core import (remote_calls, FeedbackError, call_student, check_close, check_module_class, fail, hidden_cases,
                   matches, nothing_returned, reference, to_array)
from ..tripwire import shortcuts
from .diagnoses import errors
from .diagnoses.layers import changed_in_place, no_gradient
from .diagnoses.precision import float32 as _float32, in_float32
from .diagnoses.shapes import unbatched_only
from .guard import guarded, seal
from .questions import Part, Question, question_checks

__all__ = ["check_project_qkv", "check_qkv_projection", "FORBIDDEN"]

_REFERENCE = {
    **reference("projections", "project_qkv"),
    **reference("nn", "QKVProjection.__init__", "QKVProjection.forward", "QKVProjection.load_numpy",
                shown="qkv_course.nn.QKVProjection"),
}

#: What each graded item may not call (internal name -> name shown to the student).
FORBIDDEN: dict[str, dict[str, str]] = {
    "project_qkv": dict(_REFERENCE),
    "QKVProjection": {**_REFERENCE, **shortcuts("torch.nn.MultiheadAttention")},
}

_ROLE = {
    "Q": ("queries", "W_q", "what each token looks for"),
    "K": ("keys", "W_k", "what each token offers to be found by"),
    "V": ("values", "W_v", "what each token hands over once it is found"),
}
_ORDINAL = ("first", "second", "third")


# =========================================================================== project_qkv

def _project_cases(hidden: bool) -> list[tuple[np.ndarray, ...]]:
    """(X, W_q, W_k, W_v) for each call."""
    if not hidden:
        # Hand-checkable: three tokens with two features, so row i of Q is a row (or the
        # sum of the rows) of W_q. Square matrices, so a transposed W still runs.
        X = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
        W_q = np.array([[1.0, 2.0], [0.0, 1.0]])
        W_k = np.array([[2.0, 0.0], [1.0, 1.0]])
        W_v = np.array([[1.0, -1.0], [3.0, 0.0]])
        rng = np.random.default_rng(30)
        W3 = [rng.integers(-2, 3, size=(3, d)).astype(float) for d in (2, 2, 4)]
        X3 = rng.integers(-2, 3, size=(2, 4, 3)).astype(float)
        return [(X, W_q, W_k, W_v), (X3[0], *W3), (X3, *W3)]
    return hidden_cases("projections").project_cases()


def _label(X: np.ndarray, W_q: np.ndarray, W_k: np.ndarray, W_v: np.ndarray) -> str:
    return (f"project_qkv(X of shape {X.shape}, W_q of shape {W_q.shape}, "
            f"W_k of shape {W_k.shape}, W_v of shape {W_v.shape})")


def _batch_note(X: np.ndarray) -> str:
    """For a project_qkv that works on a single sentence but not on the batch ``X``."""
    return unbatched_only("It works", X.shape,
                          "X.T on a 3-d array reverses all its axes (not just the last two), np.einsum "
                          "subscripts that name exactly two axes, and loops that fill an (n, d_k) array",
                          "Every sentence of the batch should be projected by the same matrices.")


def _first_sentence(X: np.ndarray) -> np.ndarray:
    return X[(0,) * (X.ndim - 2)]


def _works_unbatched(fn: Callable, X: np.ndarray, Ws: Sequence[np.ndarray]) -> bool:
    """True if ``fn`` gives the right (Q, K, V) for the first sentence of the batch ``X``."""
    X0 = _first_sentence(X)
    expected = projections.project_qkv(X0, *Ws)
    try:
        got = call_student(fn, "project_qkv", X0, *Ws, forbidden=FORBIDDEN["project_qkv"])
        items = _three_arrays(got, "project_qkv", expected)
    except FeedbackError:
        return False
    return all(matches(a, e, 1e-6, 1e-8 * (1 + abs(e).max())) for a, e in zip(items, expected))


def _three_arrays(returned: Any, label: str, expected: Sequence[np.ndarray]) -> list[np.ndarray]:
    """The student's (Q, K, V) as three trusted float64 arrays, or a targeted failure."""
    __tracebackhide__ = True
    torch_types = (torch.Tensor, torch.nn.Parameter)
    if isinstance(returned, np.ndarray) or type(returned) in torch_types:
        shape = tuple(returned.shape)
        if shape == (3,) + expected[0].shape:
            fail(f"{label} returned one array of shape {shape}, with Q, K and V stacked along a "
                 "new first axis. Return a tuple of three separate arrays, (Q, K, V): they are "
                 "used separately, and V has a different shape from Q and K whenever d_v != d_k.")
        fail(f"{label} returned a single array of shape {shape}; it should return a tuple of "
             "three arrays (Q, K, V).")
    if not isinstance(returned, (tuple, list)):
        if returned is None:
            fail(nothing_returned(label))
        fail(f"{label} returned a {type(returned).__name__}; it should return a tuple of three "
             "arrays (Q, K, V).")
    if len(returned) != 3:
        fail(f"{label} returned a {type(returned).__name__} of {len(returned)} items; it should "
             "return exactly three arrays, (Q, K, V).")
    return [to_array(item, f"{label}[{i}] ({'QKV'[i]})") for i, item in enumerate(returned)]


def _check_roles(items: list[np.ndarray], expected: Sequence[np.ndarray], label: str,
                 atol: float) -> None:
    """Recognise Q, K and V computed with the wrong matrix, or returned in the wrong order."""
    __tracebackhide__ = True
    products = dict(zip("QKV", expected))    # the product X @ W for each role's matrix
    used = [[r for r, p in products.items() if matches(a, p, 1e-6, atol)] for a in items]
    own = ["Q" in used[0], "K" in used[1], "V" in used[2]]
    if all(own):
        return
    if all(u for u in used) and all("Q" in u for u in used):
        fail(f"{label} returned a wrong result. All three arrays are X W_q: W_q was used for "
             "all three projections. Each role has its own matrix: W_q for what a token looks "
             "for, W_k for what it offers to be found by, W_v for what it hands over.")
    firsts = [u[0] if len(u) == 1 else None for u in used]
    if None not in firsts and sorted(firsts) == ["K", "Q", "V"]:
        fail(f"{label} returned a wrong result. The arrays come back in the order "
             f"({', '.join(firsts)}): return them in the order (Q, K, V).")
    for i, role in enumerate("QKV"):
        wrong = [r for r in used[i] if r != role]
        if not own[i] and wrong:
            name, matrix, meaning = _ROLE[role]
            fail(f"{label} returned a wrong result. The {_ORDINAL[i]} array, the {name} {role}, "
                 f"equals X {_ROLE[wrong[0]][1]}: the {name} must be computed with their own "
                 f"matrix {matrix}, which learns {meaning}.")


def _diagnoses(role: str, X: np.ndarray, W: np.ndarray, expected: np.ndarray) -> list:
    name, matrix, _ = _ROLE[role]
    computed32 = _float32(X) @ _float32(W)
    scale = 1e-5 * (1 + abs(expected).max()) if expected.size else 0.0
    out: list[tuple[Any, str]] = [
        in_float32(computed32, expected, rtol=1e-5, atol=scale),
        (np.swapaxes(expected, -1, -2),
         f"Its last two axes are swapped: it has one row per feature and one column per token. "
         f"{role} should have one row per token: X (..., n, d_model) times {matrix} "
         f"(d_model, d_out) gives (..., n, d_out)."),
    ]
    if W.shape[0] == W.shape[1]:
        out.append((X @ W.T,
                    f"It equals X times the transpose of {matrix}. {matrix} is stored as "
                    f"(d_model, d_out): row j says how embedding feature j feeds each of the "
                    f"d_out features of the {name}, so use {matrix} as it is stored."))
    if X.ndim > 2:
        flat = (math.prod(X.shape[:-1]), W.shape[1])
        out.append((lambda a, shape=flat: a.shape == shape,
                    f"The batch axes were merged with the token axis (shape {flat}): the result "
                    f"must keep X's leading axes, {role} (..., n, d_out)."))
        out.append((lambda a, shape=expected.shape[-2:]: a.shape == shape,
                    "It has the shape of one sentence's result: X's leading batch axes were "
                    f"lost. {role} keeps them: (..., n, d_out)."))
    return out


@guarded
def check_project_qkv(project_qkv: Callable, hidden: bool = False) -> None:
    """Check ``project_qkv(X, W_q, W_k, W_v)`` -> ``(Q, K, V)`` for X (..., n, d_model)."""
    __tracebackhide__ = True
    for X, W_q, W_k, W_v in _project_cases(hidden):
        Ws = (W_q, W_k, W_v)
        expected = projections.project_qkv(X, *Ws)
        label = _label(X, *Ws)
        atol = 1e-9 * (1 + max(abs(e).max() for e in expected))
        batch_failure = ""
        try:
            returned = call_student(project_qkv, "project_qkv", X, *Ws,
                                    forbidden=FORBIDDEN["project_qkv"], label=label)
        except FeedbackError as err:
            if X.ndim == 2 or err.raised is None or not _works_unbatched(project_qkv, X, Ws):
                raise
            batch_failure = errors.append(str(err), _batch_note(X))
        if batch_failure:
            fail(batch_failure)
        items = _three_arrays(returned, label, expected)
        _check_roles(items, expected, label, atol)
        single_ok: bool | None = None
        for i, role in enumerate("QKV"):
            diagnoses = _diagnoses(role, X, Ws[i], expected[i])
            if X.ndim > 2 and not matches(items[i], expected[i], 1e-6, atol):
                if single_ok is None:
                    single_ok = _works_unbatched(project_qkv, X, Ws)
                if single_ok:
                    diagnoses.append((lambda a: True, _batch_note(X)))
            check_close(items[i], expected[i], f"{label}[{i}] ({role})", rtol=1e-6, atol=atol,
                        diagnoses=diagnoses,
                        shape_hint=f"{role} has one row of {Ws[i].shape[1]} numbers per token, for "
                                   "every sentence: X (..., n, d_model) and "
                                   f"{_ROLE[role][1]} (d_model, d_out) give (..., n, d_out).")


# =========================================================================== QKVProjection
#
# Decided outside the kernel while a notebook is graded (qkv_grader.remote): the class and
# its layers stay in the kernel, and this check holds handles to them. It builds and calls them
# through call_student, and everything else it needs to know about a layer (its parameters,
# buffers, gradients) it asks with one of the course's probes (qkv_course.probes), which runs in
# the kernel and answers with plain data. In the student's own kernel (the visible tests) the
# same code runs on the real objects. What a probe reports can only fail a layer: it passes on the
# outputs it computes for the grader's inputs, and on a training step whose result it could not
# know in advance (_check_training_step).

#: (d_model, d_k, d_v) and the shapes of the float32 inputs X to try for each.
# The visible sizes have d_v > d_k and 2 d_k + d_v not divisible by 3, so that a combined
# output split into equal parts (chunk(3)) or into pieces of d_k (split(d_k)) fails there.
_VISIBLE_CONFIGS = [((6, 3, 5), [(5, 6), (2, 5, 6)])]

#: The course's own layer, which the student's class may not derive from (qualified name -> name
#: shown to the student).
_REFERENCE_CLASS = {"qkv_course.nn.QKVProjection": "the course's qkv_course.nn.QKVProjection"}

#: The forbidden-call rule for the torch exercise (the default, core.NUMPY_RULE, is for numpy).
_TORCH_RULE = ("from torch building blocks (nn.Linear or nn.Parameter), so the course's layer "
               "and library attention modules are not allowed here")


def _config_name(d_model: int, d_k: int, d_v: int) -> str:
    return f"QKVProjection(d_model={d_model}, d_k={d_k}, d_v={d_v})"


def _ask(probe: Callable, *args: Any, label: str) -> Any:
    """Run ``probe`` (one of :mod:`qkv_course.probes`) on the student's class or layer, in the
    kernel when the test is decided outside it, under the exercise's forbidden-call rules."""
    __tracebackhide__ = True
    return call_student(probe, "QKVProjection", *args, forbidden=FORBIDDEN["QKVProjection"],
                        label=label, rule=_TORCH_RULE)


def _garbled(label: str) -> NoReturn:
    __tracebackhide__ = True
    fail(f"{label}: the grader could not read what your notebook answered about the layer (the "
         "answer was not well formed), so this test cannot pass.")


def _strings(value: Any) -> bool:
    return type(value) is list and all(type(v) is str for v in value)


def _ints(value: Any) -> bool:
    return type(value) is list and all(type(v) is int for v in value)


@dataclass
class _Facts:
    """What :func:`qkv_course.probes.layer_facts` reported about a layer (the kernel's word)."""

    params: list[tuple[str, tuple[int, ...], bool, str]]  # name, shape, requires_grad, dtype
    buffers: list[str]
    plain_tensors: list[str]
    containers: list[tuple[str, str]]  # attribute, kind ("list", "dict", ...)
    linears: list[tuple[int, int]]  # in_features, out_features
    dropout: bool


def _layer_facts(layer: Any, label: str) -> _Facts:
    """The facts about ``layer``, checked to be plain data of the expected form."""
    __tracebackhide__ = True
    raw = _ask(probes.layer_facts, layer, label=f"{label} (reading the layer's parameters)")
    try:
        params = [(p[0], tuple(p[1]), p[2], p[3]) for p in raw["params"]
                  if type(p) is list and len(p) == 4 and type(p[0]) is str and _ints(p[1])
                  and type(p[2]) is bool and type(p[3]) is str]
        containers = [(c[0], c[1]) for c in raw["containers"]
                      if type(c) is list and len(c) == 2 and _strings(c)]
        linears = [(m[0], m[1]) for m in raw["linears"] if _ints(m) and len(m) == 2]
        ok = (len(params) == len(raw["params"]) and len(containers) == len(raw["containers"])
              and len(linears) == len(raw["linears"]) and _strings(raw["buffers"])
              and _strings(raw["plain_tensors"]) and type(raw["dropout"]) is bool)
    except (TypeError, KeyError, IndexError):
        ok = False
    if not ok:
        _garbled(label)
    return _Facts(params, raw["buffers"], raw["plain_tensors"], containers, linears, raw["dropout"])


def _linear_hint(facts: _Facts, d_model: int) -> str:
    """A message for an nn.Linear whose in/out sizes are the wrong way round, or ''."""
    for in_features, out_features in facts.linears:
        if in_features != d_model and out_features == d_model:
            return (f"nn.Linear({in_features}, {out_features}) has its in/out sizes "
                    "the wrong way round: nn.Linear(in_features, out_features) takes vectors of "
                    "size in_features, here each token's embedding of size "
                    f"d_model={d_model}, and returns out_features numbers.")
    return ""


def _explain(err: FeedbackError, layer: Any, d_model: int, label: str) -> str | None:
    """A better message for a failed call of the student's class or layer (``layer``: None while
    it is being built), or None."""
    __tracebackhide__ = True
    raised, message = err.raised, str(err)
    init = errors.init_first(raised)
    if init:
        return errors.append(message, init)
    if layer is None:
        return None
    try:
        facts = _layer_facts(layer, label)
    except FeedbackError:
        return None
    advice = (_linear_hint(facts, d_model)
              or errors.float64_parameters(raised, lambda: [p[3] for p in facts.params])
              or errors.einsum_leading(raised) or errors.matrix_from_right(raised))
    return errors.append(message, advice) if advice else None


def _batch_explain(message: str, X: torch.Tensor) -> str:
    """Advice for a forward that ran on single sentences but raised on the batch ``X``."""
    return errors.append(message, unbatched_only(
        "forward worked", tuple(X.shape),
        "X.T or X.t() (on a 3-d tensor .T reverses all the axes, and .t() refuses), torch.mm, einsum "
        "subscripts that name exactly two axes, and loops over tokens",
        "X @ W and nn.Linear work on any number of leading axes."))


def _build(cls: Any, d_model: int, d_k: int, d_v: int, seed: int) -> Any:
    """Instantiate the student's class with a fixed seed, leaving the random state of the kernel
    (or, in-process, of the student) untouched. Returns the layer, or a handle to it."""
    __tracebackhide__ = True
    name = _config_name(d_model, d_k, d_v)
    better: str | None = None
    try:
        layer = call_student(probes.seeded_call, "QKVProjection", seed, cls, d_model, d_k, d_v,
                             forbidden=FORBIDDEN["QKVProjection"], label=name, rule=_TORCH_RULE)
    except FeedbackError as err:
        better = _explain(err, None, d_model, name)
        if better is None:
            raise
    if better is not None:
        fail(better)
    if isinstance(layer, Opaque):
        if not (layer.is_module and layer.handle is not None):
            fail(f"{name} built a {type(layer).__name__}, not a torch.nn.Module.")
    elif type(layer) is nn.Linear:
        # (a bare nn.Linear travels as plain data, so it could not be called back in the kernel)
        fail(f"{name} built a single torch.nn.Linear, not a layer of three maps whose forward "
             "returns (Q, K, V).")
    elif remote_calls() is not None or not isinstance(layer, nn.Module):
        fail(f"{name} built a {type(layer).__name__}, not a torch.nn.Module.")
    return layer


def _forward(layer: Any, X: torch.Tensor, d_model: int, d_k: int, d_v: int,
             single_ok: bool = False) -> tuple[list[torch.Tensor], str]:
    """Call the layer on X; return its three outputs and the label used in messages.
    ``single_ok``: the layer already passed for single sentences (X of shape (n, d_model))."""
    __tracebackhide__ = True
    label = f"{_config_name(d_model, d_k, d_v)}.forward(X of shape {tuple(X.shape)})"
    before = X.clone()
    better: str | None = None
    try:
        result = call_student(layer, "QKVProjection", X, forbidden=FORBIDDEN["QKVProjection"],
                              label=label, rule=_TORCH_RULE)
    except FeedbackError as err:
        better = _explain(err, layer, d_model, label)
        if X.ndim > 2 and single_ok and err.raised is not None:
            better = _batch_explain(str(err), X)
        if better is None:
            raise
    if better is not None:
        fail(better)
    if not torch.equal(X, before):  # in-process only; outside, _learnable_gradients asks
        fail(changed_in_place(label))
    n = X.shape[-2]
    lead = tuple(X.shape[:-1])
    if type(result) in (torch.Tensor, nn.Parameter):
        shape = tuple(result.shape)
        if shape == lead + (2 * d_k + d_v,):
            fail(f"{label}: forward returned one tensor of shape {shape}, Q, K and V side by "
                 "side. Return a tuple of three tensors (Q, K, V); if you compute them with one "
                 "combined layer, split its output into the three parts.")
        fail(f"{label}: forward returned a single tensor of shape {shape}; it should return a "
             "tuple of three tensors (Q, K, V).")
    if not isinstance(result, (tuple, list)) or len(result) != 3:
        what = (f"a {type(result).__name__} of {len(result)} items"
                if isinstance(result, (tuple, list)) else f"a {type(result).__name__}")
        parts = _split_sizes(result)
        if parts and sum(parts) == 2 * d_k + d_v:
            fail(f"{label}: forward returned {what}, pieces of sizes {parts} that together hold "
                 f"the 2 d_k + d_v = {2 * d_k + d_v} outputs of a combined layer. Split it at the "
                 f"right places: Q and K take d_k={d_k} columns each and V takes d_v={d_v}.")
        fail(f"{label}: forward returned {what}; it should return a tuple of three tensors "
             "(Q, K, V).")
    for i, t in enumerate(result):
        if type(t) not in (torch.Tensor, nn.Parameter):
            fail(f"{label}: item {i} ({'QKV'[i]}) of what forward returned is a "
                 f"{type(t).__name__}; forward should return torch tensors, so that gradients "
                 "can flow back to the matrices.")
        if not t.is_floating_point():
            fail(f"{label}: {'QKV'[i]} has dtype {t.dtype}; it should hold floating-point numbers.")
    shapes = [tuple(t.shape) for t in result]
    want = [lead + (d_k,), lead + (d_k,), lead + (d_v,)]
    if shapes != want:
        linear = _linear_hint(_layer_facts(layer, label), d_model)
        if linear:
            fail(f"{label}: {linear}")
        if d_k != d_v and shapes == [lead + (d_v,), lead + (d_v,), lead + (d_k,)]:
            fail(f"{label} returned Q, K and V of shapes {shapes[0]}, {shapes[1]}, {shapes[2]}: "
                 f"d_k and d_v swapped. Queries and keys are compared with each other by dot "
                 f"products, so both have d_k={d_k} features; values are what is handed over "
                 f"and have d_v={d_v}.")
        parts = _split_sizes(result)
        if parts and sum(parts) == 2 * d_k + d_v and [s[:-1] for s in shapes] == [lead] * 3:
            fail(f"{label} returned Q, K and V with {parts[0]}, {parts[1]} and {parts[2]} features: "
                 f"together the 2 d_k + d_v = {2 * d_k + d_v} outputs of a combined layer, but "
                 f"split at the wrong places (chunk(3) makes equal parts). Q and K take d_k={d_k} "
                 f"columns each and V takes d_v={d_v}.")
        for i, (got, expected) in enumerate(zip(shapes, want)):
            if got != expected:
                merged = (len(lead) >= 2 and got[:-1] == (math.prod(lead),)
                          and got[-1] == expected[-1])
                note = (" The batch axes were merged with the token axis: every output keeps all "
                        "of X's leading axes (reshape back if you flattened X)." if merged else "")
                fail(f"{label}: {'QKV'[i]} has shape {got}, but the expected shape is {expected}. "
                     f"For X (..., n, d_model) the layer returns Q and K of shape (..., n, d_k) "
                     f"and V of shape (..., n, d_v); here n={n}, d_k={d_k}, d_v={d_v}.{note}")
    for i, t in enumerate(result):
        if not torch.isfinite(t.detach()).all():
            fail(f"{label}: {'QKV'[i]} contains NaN or infinite values.")
    return list(result), label


def _split_sizes(result: Any) -> list[int]:
    """The last-axis sizes of a tuple or list of tensors (what a split gives), or []."""
    if not isinstance(result, (tuple, list)) or not result:
        return []
    if not all(type(t) in (torch.Tensor, nn.Parameter) and t.ndim > 0 for t in result):
        return []
    return [int(t.shape[-1]) for t in result]


def _numpy(t: torch.Tensor) -> np.ndarray:
    return t.detach().cpu().to(torch.float64).numpy()


def _probe_inputs(d_model: int) -> list[torch.Tensor]:
    """The identity matrix (one token per embedding feature) and one zero token."""
    return [torch.eye(d_model, dtype=torch.float32), torch.zeros(1, d_model, dtype=torch.float32)]


def _maps_from(on_eye: Sequence[np.ndarray], on_zero: Sequence[np.ndarray]
               ) -> list[tuple[np.ndarray, np.ndarray]]:
    return [(e - z, z[0]) for e, z in zip(on_eye, on_zero)]


def _effective_maps(layer: Any, d_model: int, d_k: int, d_v: int
                    ) -> list[tuple[np.ndarray, np.ndarray]]:
    """(W, b) for Q, K and V such that the layer computes X @ W + b, read off from its outputs
    for the identity matrix (one token per embedding feature) and for a zero token."""
    eye, zero = _probe_inputs(d_model)
    on_eye, _ = _forward(layer, eye, d_model, d_k, d_v)
    on_zero, _ = _forward(layer, zero, d_model, d_k, d_v)
    return _maps_from([_numpy(t) for t in on_eye], [_numpy(t) for t in on_zero])


@dataclass
class _Gradients:
    """What :func:`qkv_course.probes.parameter_gradients` reported (the kernel's word)."""

    names: list[str]
    grads: list[list[np.ndarray | None]]
    input_changed: bool


def _gradients(layer: Any, X: torch.Tensor, weights: list[list[torch.Tensor | None]],
               label: str) -> _Gradients:
    __tracebackhide__ = True
    raw = _ask(probes.parameter_gradients, layer, X, weights, label=label)
    try:
        names, grads = raw["names"], raw["grads"]
        ok = (_strings(names) and type(grads) is list and len(grads) == len(weights)
              and type(raw["input_changed"]) is bool
              and all(type(g) is list and len(g) == len(names)
                      and all(x is None or type(x) is np.ndarray for x in g) for g in grads))
    except (TypeError, KeyError):
        ok = False
    if not ok:
        _garbled(label)
    return _Gradients(names, grads, raw["input_changed"])


def _same_function(layer: Any, X: torch.Tensor, outs: list[torch.Tensor], a: int, b: int,
                   label: str) -> bool:
    """True if outputs ``a`` and ``b`` depend on the parameters in exactly the same way: the
    same weighting of either gives the same gradient of every parameter."""
    __tracebackhide__ = True
    if not (outs[a].requires_grad and outs[b].requires_grad):
        return False
    R = torch.randn(outs[a].shape, generator=torch.Generator().manual_seed(5))
    weights = [[R if i == a else None for i in range(3)], [R if i == b else None for i in range(3)]]
    info = _gradients(layer, X, weights, label)
    if not info.names:
        return False
    return all((x is None and y is None)
               or (x is not None and y is not None and x.shape == y.shape and bool((x == y).all()))
               for x, y in zip(*info.grads))


def _check_distinct(layer: Any, maps: list, X: torch.Tensor, outs: list[torch.Tensor], label: str,
                    d_model: int, d_k: int, d_v: int) -> None:
    __tracebackhide__ = True
    if not abs(maps[0][0]).any() and not abs(maps[1][0]).any():
        fail(f"{label}: W_q and W_k both start out all zeros. Then every score q_i · k_j is 0, "
             "and neither matrix gets a gradient to learn from (the gradient of W_q is made of "
             "keys and that of W_k of queries, all zero). Start from random values, e.g. "
             "nn.Linear's default initialisation.")
    pairs = [(0, 1)] + ([(0, 2), (1, 2)] if d_k == d_v else [])
    for a, b in pairs:
        (Wa, ba), (Wb, bb) = maps[a], maps[b]
        scale = 1e-6 * (1 + abs(Wa).max())
        if abs(Wa - Wb).max() > scale or abs(ba - bb).max() > scale:
            continue
        A, B = "QKV"[a], "QKV"[b]
        if _same_function(layer, X, outs, a, b, label):
            fail(f"{label}: forward returns {A} and {B} from the same Linear layer (or the same "
                 "weight, or the same columns of a combined layer): "
                 f"{_ROLE[A][0]} and {_ROLE[B][0]} need separate matrices, {_ROLE[A][1]} for "
                 f"{_ROLE[A][2]} and {_ROLE[B][1]} for {_ROLE[B][2]}. With one matrix, "
                 "q_i · k_j = q_j · k_i and a token cannot look for something other than what "
                 "it offers.")
        fail(f"{label}: {A} and {B} come from separate parameters, but they start out equal "
             f"(the matrices {_ROLE[A][1]} and {_ROLE[B][1]} are initialised with the same "
             "numbers). Initialise each matrix independently: do not reseed the random generator "
             "for each one or copy one into another.")


def _check_linear(outs: list[torch.Tensor], X: torch.Tensor, maps: list, label: str,
                  first_sentence_ok: bool) -> None:
    __tracebackhide__ = True
    x = _numpy(X)
    for i, (t, (W, b)) in enumerate(zip(outs, maps)):
        got = _numpy(t)
        predicted = x @ W + b
        tol = 1e-4 * (1 + abs(predicted).max())
        if abs(got - predicted).max() <= tol:
            continue
        role = "QKV"[i]
        if X.ndim > 2 and first_sentence_ok:
            fail(f"{label}: {role} is right for a single sentence X of shape (n, d_model) but "
                 "not for each sentence of this batch: every sentence must be projected with "
                 "the same matrices, whatever leading axes X has.")
        fail(f"{label}: {role} is not a linear function of X: for a single token x, {role} "
             f"should be x times a (d_model, d_out) matrix (plus a bias, if you use one), so "
             "that tokens with twice the embedding get twice the query, key or value (without "
             "bias). Remove anything else, such as an activation function, a softmax or a "
             "normalisation: the projections are plain matrix products.")


def _unregistered_note(facts: _Facts) -> str:
    """A sentence about tensors, layers or parameters that nn.Module does not see, or ''."""
    if facts.plain_tensors:
        return (f" It stores {', '.join(facts.plain_tensors)} as plain tensor(s), which nn.Module "
                "does not register as parameters: wrap them in nn.Parameter, or use nn.Linear.")
    for name, kind in facts.containers:
        holder = {"dict": "nn.ModuleDict or nn.ParameterDict"}.get(kind, "nn.ModuleList or nn.ParameterList")
        return (f" It keeps layers or parameters in a plain Python {kind}, self.{name}, and "
                "nn.Module does not look inside those: their parameters are not registered, "
                f"so an optimiser built from layer.parameters() would never train them. Use "
                f"{holder} instead.")
    if facts.buffers:
        return (f" It registers {', '.join(facts.buffers)} as buffer(s) (register_buffer), which "
                "are saved with the layer but never trained: make them nn.Parameter instead.")
    return ""


def _check_learnable(facts: _Facts, outs: list[torch.Tensor], label: str) -> None:
    __tracebackhide__ = True
    plain_note = _unregistered_note(facts)
    if not facts.params:
        fail(f"{label}: the layer has no learnable parameters, so training can never change its "
             f"matrices.{plain_note or ' Use nn.Linear or nn.Parameter for W_q, W_k and W_v.'}")
    frozen = [k for k, _, grad, _ in facts.params if not grad]
    if frozen:
        fail(f"{label}: parameter(s) {', '.join(frozen)} have requires_grad=False, so they are "
             "frozen and never learned.")
    for i, t in enumerate(outs):
        if not t.requires_grad:
            fail(no_gradient(f"{label}: {'QKV'[i]}", "its matrix cannot be learned", plain_note))


def _check_all_used(layer: Any, X: torch.Tensor, outs: list[torch.Tensor], label: str) -> None:
    """Every parameter gets a gradient from the outputs (and forward leaves X as it was)."""
    __tracebackhide__ = True
    R = torch.Generator().manual_seed(6)
    weights = [[torch.randn(t.shape, generator=R) for t in outs]]
    info = _gradients(layer, X, weights, label)
    if info.input_changed:
        fail(changed_in_place(label))
    unused = [k for k, g in zip(info.names, info.grads[0]) if g is None]
    if unused:
        fail(f"{label}: parameter(s) {', '.join(unused)} get no gradient: forward never uses "
             "them. Remove them or use them.")


def _check_count(facts: _Facts, maps: list, label: str, d_model: int, d_k: int, d_v: int) -> None:
    __tracebackhide__ = True
    count = sum(math.prod(shape) for _, shape, _, _ in facts.params)
    weights = projections.parameter_count(d_model, d_k, d_v)
    biases = [d for (_, b), d in zip(maps, (d_k, d_k, d_v)) if abs(b).any()]
    expected = weights + sum(biases)
    # A bias that starts at exactly zero is invisible in the outputs: allow any subset.
    allowed = {weights + sum(s) for r in range(4) for s in combinations((d_k, d_k, d_v), r)}
    if count == expected or (count in allowed and count > expected):
        return
    bias_note = (f", plus {sum(biases)} for the biases you use" if biases else "")
    unregistered = _unregistered_note(facts) if count < expected else ""
    fail(f"{label}: the layer has {count} learnable numbers, but three matrices of shapes "
         f"(d_model, d_k), (d_model, d_k) and (d_model, d_v) hold d_model * (2 d_k + d_v) = "
         f"{weights}{bias_note}." + (unregistered or " Each of Q, K and V needs exactly one "
         "(d_model, d_out) matrix; look for parameters that are larger than that or not needed."))


def _check_deterministic(layer: Any, X: torch.Tensor, outs: list[torch.Tensor], label: str,
                         dims: tuple[int, int, int]) -> None:
    """Fail if calling the layer again on the same X gives different results."""
    __tracebackhide__ = True
    again, _ = _forward(layer, X, *dims)
    for i, (a, b) in enumerate(zip(outs, again)):
        if not matches(_numpy(a), _numpy(b), 1e-5, 1e-6):
            dropout = _layer_facts(layer, label).dropout
            cause = ("It uses dropout, which zeroes random entries in training mode: leave dropout "
                     "out of this layer (the projections are plain matrix products)."
                     if dropout else
                     "Something changes from one call to the next: e.g. nn.Linear or torch.randn "
                     "called inside forward (new matrices every time), or forward changing the "
                     "layer's parameters. " + _CREATE_ONCE)
            fail(f"{label}: calling forward twice on the same X gave two different "
                 f"{'QKV'[i]}. {cause}")


_CREATE_ONCE = "Create the layers or parameters once, in __init__, and only use them in forward."


def _outputs(value: Any, shapes: Sequence[tuple[int, ...]]) -> list[np.ndarray] | None:
    """Finite float arrays of the given shapes (as float64), or None."""
    if type(value) is not list or len(value) != len(shapes):
        return None
    if not all(type(a) is np.ndarray and a.shape == s and a.dtype.kind == "f"
               and np.isfinite(a).all() for a, s in zip(value, shapes)):
        return None
    return [a.astype(np.float64) for a in value]


def _fitted_step(change: np.ndarray, step: np.ndarray, tol: float) -> float | None:
    """The factor s with ``change == -s * step`` (within ``tol``), or None."""
    norm = float((step * step).sum())
    if norm == 0.0:
        return None
    s = -float((change * step).sum()) / norm
    return s if abs(change + s * step).max() <= tol else None


def _check_training_step(layer: Any, X: torch.Tensor, maps: list, label: str, seed: int,
                         dims: tuple[int, int, int]) -> None:
    """The challenge that needs a real, learnable linear layer: one step of plain gradient
    descent (torch.optim.SGD) on the layer's parameters, with the loss sum_i (out_i * G_i).sum()
    for an X, a G and a learning rate of the grader's choice, must change each matrix W (as read
    off the outputs) to W - lr * s * X^T G_i and each bias b that moves to b - lr * s' * sum(G_i),
    with positive factors s, s' (1 when W and b are the parameters themselves, or slices or
    transposes of them; c^2 for a matrix scaled by c in forward). Made-up answers cannot know
    the result; a matrix that is not a parameter, is shared, or is computed from the parameters
    in another way does not move like that."""
    __tracebackhide__ = True
    d_model, d_k, d_v = dims
    lead = tuple(X.shape[:-1])
    tokens = math.prod(lead)
    rng = np.random.default_rng(700 + seed)
    G = [torch.tensor(rng.normal(size=lead + (d,)) / math.sqrt(tokens), dtype=torch.float32)
         for d in (d_k, d_k, d_v)]
    lr = round(float(rng.uniform(0.1, 0.5)), 3)
    inputs = _probe_inputs(d_model)
    what = (f"one step of plain gradient descent (as torch.optim.SGD(layer.parameters(), lr={lr}) "
            "takes it) "
            f"with the loss (Q * G_Q).sum() + (K * G_K).sum() + (V * G_V).sum() for X of shape "
            f"{tuple(X.shape)}")
    raw = _ask(probes.sgd_step, layer, X, G, lr, inputs,
               label=f"{label}: {what}")
    shapes = {name: [(len(x),) + (d,) for d in (d_k, d_k, d_v)] for name, x in zip(("eye", "zero"), inputs)}
    try:
        read = {when: [_outputs(raw[when][j], shapes[name]) for j, name in enumerate(("eye", "zero"))]
                for when in ("before", "after")}
        ok = all(type(raw[when]) is list and len(raw[when]) == 2 and None not in read[when]
                 for when in read)
    except (TypeError, KeyError, IndexError):
        ok = False
    if not ok:
        _garbled(label)
    before, after = _maps_from(*read["before"]), _maps_from(*read["after"])
    for (W, b), (W0, b0) in zip(maps, before):
        tol = 1e-4 * (1 + abs(W).max() + abs(b).max())
        if abs(W - W0).max() > tol or abs(b - b0).max() > tol:
            fail(f"{label}: the layer computed other Q, K or V for the same inputs during a training "
                 "step than before it. " + _CREATE_ONCE)
    x = _numpy(X).reshape(tokens, d_model)
    for i, role in enumerate("QKV"):
        g = _numpy(G[i]).reshape(tokens, -1)
        (W0, b0), (W1, b1) = before[i], after[i]
        step, bias_step = lr * (x.T @ g), lr * g.sum(axis=0)
        tol = 1e-4 * (1 + abs(W0).max() + abs(b0).max() + abs(step).max() + abs(bias_step).max())
        s = _fitted_step(W1 - W0, step, tol)
        name, matrix, _ = _ROLE[role]
        intro = f"{label}: after {what}, the matrix of the {name} ({matrix})"
        if abs(W1 - W0).max() <= tol:
            fail(f"{intro} did not change: training never reaches it. {matrix} must be a parameter "
                 "of the layer (nn.Linear or nn.Parameter, registered in __init__) that forward "
                 f"uses to compute {role}.")
        if s is None or not 1e-3 <= s <= 1e3:
            fail(f"{intro} changed, but not the way a learned matrix does (by -lr X^T G_{role}, "
                 f"the gradient of the loss): compute {role} as X times a parameter matrix of its "
                 "own (nn.Linear or nn.Parameter), not shared with another projection and not "
                 "transformed on the way (normalised, squared, ...).")
        if abs(b1 - b0).max() > tol:
            s_b = _fitted_step(b1 - b0, bias_step, tol)
            if s_b is None or not 1e-3 <= s_b <= 1e3:
                fail(f"{label}: after {what}, the bias of the {name} changed, but not the way a "
                     f"learned bias does (by -lr times the sum of G_{role} over the tokens): add "
                     "a bias parameter of its own, as nn.Linear does, or none.")


@guarded
def check_qkv_projection(QKVProjection: Any, hidden: bool = False) -> None:
    """Check a torch module class ``QKVProjection(d_model, d_k, d_v)`` whose forward maps
    X (..., n, d_model) to (Q (..., n, d_k), K (..., n, d_k), V (..., n, d_v))."""
    __tracebackhide__ = True
    secret = hidden_cases("projections") if hidden else None
    configs = secret.LAYER_CONFIGS if secret else _VISIBLE_CONFIGS
    dims = configs[0][0]
    check_module_class(QKVProjection, "QKVProjection", _REFERENCE_CLASS, args=dims,
                       label=_config_name(*dims), forbidden=FORBIDDEN["QKVProjection"], rule=_TORCH_RULE)
    rng = np.random.default_rng(secret.LAYER_INPUTS_SEED if secret else 32)
    for seed, ((d_model, d_k, d_v), x_shapes) in enumerate(configs, start=secret.FIRST_LAYER_SEED if secret else 0):
        layer = _build(QKVProjection, d_model, d_k, d_v, seed)
        dims = (d_model, d_k, d_v)
        name = _config_name(*dims)
        first_sentence_ok = False
        maps: list | None = None
        facts: _Facts | None = None
        for x_shape in x_shapes:
            X = torch.tensor(rng.normal(size=x_shape), dtype=torch.float32)
            if len(x_shape) > 2:
                first_sentence_ok = True    # the 2-d shapes come first and passed
            outs, label = _forward(layer, X, *dims, single_ok=first_sentence_ok)
            if maps is None:
                _check_deterministic(layer, X, outs, label, dims)
                maps = _effective_maps(layer, *dims)
                _check_distinct(layer, maps, X, outs, label, *dims)
            _check_linear(outs, X, maps, label, first_sentence_ok)
            if facts is None:
                facts = _layer_facts(layer, label)
                _check_learnable(facts, outs, label)
                _check_all_used(layer, X, outs, label)
            else:
                _check_learnable(facts, outs, label)
        assert maps is not None and facts is not None
        _check_count(facts, maps, name, *dims)
        _check_training_step(layer, X, maps, name, seed, dims)


#: The check of each graded function (what qkv_grader.execute runs outside the kernel).
CHECKS = {
    "project_qkv": check_project_qkv,
    "QKVProjection": check_qkv_projection,
}
#: The reference of each graded item: it answers a check's calls for a first guess at what the
#: grader will ask the kernel (qkv_grader.remote), never for a grade. Any three learned maps are
#: a right QKVProjection; the course's layer is only the likeliest.
REFERENCES = {
    "project_qkv": projections.project_qkv,
    "QKVProjection": _ReferenceLayer,
}


#: The questions of the problem set (qkv_course/checks/questions.py): each answer's form; the
#: keys are the grader's (qkv_grader/hidden/projections.py).
QUESTIONS = question_checks(
    "projections",
    Question("batch_shapes", (
        Part("V", "shape", "the shape of V"),
        Part("K_T", "shape", "the shape of K.T"),
        Part("np_dot", "shape", "the shape of np.dot(Q, np.swapaxes(K, -1, -2))"))),
    Question("head_parameters", (
        Part("weight_shape", "shape", "the shape of the query map's weight tensor"),
        Part("per_head", "int", "the parameters of one head's three maps", low=0, high=10**10),
        Part("all_layers", "int", "the parameters of the Q, K, V maps of all 24 layers",
             low=0, high=10**10))),
    Question("two_token_scores", (
        Part("s_01", "number", "the score s_01 = q_0 · k_1"),
        Part("s_10", "number", "the score s_10 = q_1 · k_0"),
        Part("rank_M", "int", "the rank of M = W_q W_k^T", low=0, high=3))),
)
check_batch_shapes = QUESTIONS["batch_shapes"]
check_head_parameters = QUESTIONS["head_parameters"]
check_two_token_scores = QUESTIONS["two_token_scores"]
__all__ += ["QUESTIONS", "check_batch_shapes", "check_head_parameters", "check_two_token_scores"]


# Loaded by the notebook's imports cell, before any student code: record numpy, torch and the
# course as they are now, and make the grading modules read-only (see guard.py).
seal()
