"""Checks for assignment ps01, "Search as attention".

Each ``check_*`` function takes the student's function, runs it on a set of
cases (the visible ones by default, the hidden ones with ``hidden=True``, whose inputs live in
:mod:`qkv_grader.hidden.search`, on the instructor's side only) and
raises :class:`~qkv_course.checks.core.FeedbackError` with a targeted message
on the first problem. Expected results come from :mod:`qkv_course.search`,
computed before the student's code runs; the student's code may not call it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from .. import search
from ..softmax import softmax
from .core import check_call, hidden_cases, matches, reference, trusted_helpers
from ..tripwire import shortcuts
from .diagnoses.softmax import overflow_hint, unnormalised
from .guard import guarded, seal
from .questions import Part, Question, question_checks

__all__ = ["check_dot_scores", "check_hard_lookup", "check_soft_lookup", "FORBIDDEN"]

_SOFTMAXES = {**reference("softmax", "softmax"), **shortcuts("torch.softmax", "scipy.special.softmax")}

#: What each graded function may not call (internal name -> name shown to the student).
#: hard_lookup and soft_lookup may use the reference dot_scores: that part is graded in
#: dot_scores, and a student should not lose the same points twice.
FORBIDDEN: dict[str, dict[str, str]] = {
    "dot_scores": reference("search", "dot_scores", "hard_lookup", "soft_lookup", "attention_weights"),
    "hard_lookup": reference("search", "hard_lookup", "soft_lookup", "rank", "top_k"),
    "soft_lookup": {**reference("search", "soft_lookup", "hard_lookup", "attention_weights"), **_SOFTMAXES},
}


#: While hard_lookup and soft_lookup are graded, the dot_scores they call is the reference one.
_TRUSTED = {"dot_scores": search.dot_scores}


@dataclass
class Case:
    """One call of the student's function and what it should return."""

    args: tuple[Any, ...]
    kwargs: dict[str, Any] = field(default_factory=dict)


def _example() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A tiny hand-checkable example: 3 features, 4 keys, 2-dimensional values."""
    query = np.array([1.0, 0.0, 2.0])
    keys = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [1.0, 1.0, 1.0], [2.0, 0.0, -1.0]])
    values = np.array([[10.0, 0.0], [0.0, 10.0], [5.0, 5.0], [1.0, 2.0]])
    return query, keys, values


def _corpus() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The course's video corpus: bag-of-words queries, title keys, topic values."""
    videos = search.load_videos()
    vocab = search.build_vocabulary(v.title for v in videos)
    topics = sorted({v.topic for v in videos})
    keys = search.bag_of_words([v.title for v in videos], vocab)
    values = search.one_hot([v.topic for v in videos], topics)
    queries = search.bag_of_words(
        ["python tutorial for beginners", "easy bread recipe", "cats and dogs", "guitar"], vocab
    )
    return queries, keys, values


def _random(shape_q: tuple[int, ...], n: int, d: int, d_v: int, scale: float = 1.0, seed: int = 0):
    rng = np.random.default_rng(seed)
    return (scale * rng.normal(size=shape_q + (d,)), scale * rng.normal(size=(n, d)),
            rng.normal(size=(n, d_v)))


def _with_tie() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Keys 1 and 3 tie for the best score; values differ so the choice shows."""
    query = np.array([1.0, 1.0])
    keys = np.array([[0.0, 1.0], [2.0, 1.0], [1.0, 0.0], [1.0, 2.0]])
    values = np.array([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 2.0]])
    return query, keys, values


# --------------------------------------------------------------------------- dot_scores

def _dot_scores_cases(hidden: bool) -> list[Case]:
    q, k, _ = _example()
    if not hidden:
        return [Case((q, k)), Case((np.stack([q, 2 * q - 1]), k))]
    return hidden_cases("search").dot_scores_cases()


@guarded
def check_dot_scores(dot_scores: Callable, hidden: bool = False) -> None:
    """Check ``dot_scores(query, keys)``: query (..., d), keys (n, d) -> (..., n)."""
    __tracebackhide__ = True
    for case in _dot_scores_cases(hidden):
        q, k = case.args
        expected = search.dot_scores(q, k)
        q_n = q / np.linalg.norm(q, axis=-1, keepdims=True).clip(1e-12)
        k_n = k / np.linalg.norm(k, axis=-1, keepdims=True).clip(1e-12)
        diagnoses: list[tuple[Any, str]] = []
        if expected.ndim >= 2:
            diagnoses.append(
                (np.swapaxes(expected, -1, -2),
                 "Its rows are keys and its columns queries: put one row per query and one column "
                 "per key (query @ keys.T rather than keys @ query.T)."))
        products = q[..., None, :] * k
        squared = ((q[..., None, :] - k) ** 2).sum(axis=-1)
        n = k.shape[0]
        diagnoses += [
            (products,
             "These are the products of matching features, one per feature: a dot product also "
             "adds them up over the feature axis."),
            (products.sum(axis=-2),
             "It has one number per feature, not one per key: the products of matching features "
             "were added up over the keys. Add them up over the feature axis (the last one) "
             "instead, which leaves one score per key."),
            (lambda a, e=expected: e.ndim > 2 and a.shape == (e.size // n, n)
             and matches(a, e.reshape(-1, n)),
             "The leading axes of the queries were flattened into one: a grid of queries of "
             "shape (b1, b2, d) should give scores of shape (b1, b2, n). Reshape the result back, "
             "or use an operation that keeps the leading axes (@ does)."),
        ]
        if q.shape[-1] > 1:
            diagnoses.append(
                (expected / np.sqrt(q.shape[-1]),
                 "The scores were divided by the square root of the number of features, as in "
                 "scaled dot-product attention: here return the plain dot products (the scaling "
                 "comes later in the course)."))
        distance_message = ("These are distances between the query and each key (Euclidean, "
                            "squared or negated): the score here is the dot product, the sum of "
                            "the products of matching features, not a distance.")
        diagnoses += [(w, distance_message) for w in (squared, -squared, np.sqrt(squared), -np.sqrt(squared))]
        diagnoses += [
            (q_n @ k_n.T,
             "These look like cosine similarities: the exercise asks for plain dot products, "
             "without dividing by the vectors' lengths."),
            (softmax(expected),
             "Its rows sum to 1, as after a softmax: dot_scores should return the raw scores; "
             "turning them into weights is soft_lookup's job."),
        ]
        check_call(dot_scores, "dot_scores", {"query": q, "keys": k}, expected,
                   forbidden=FORBIDDEN["dot_scores"], diagnoses=diagnoses,
                   shape_hint="There should be one score per key for every query: "
                              "query (..., d) and keys (n, d) give scores (..., n).")


# --------------------------------------------------------------------------- hard_lookup

def _hard_lookup_cases(hidden: bool) -> list[Case]:
    q, k, v = _example()
    if not hidden:
        return [Case((q, k, v)), Case(_with_tie())]
    return hidden_cases("search").hard_lookup_cases()


@guarded
def check_hard_lookup(hard_lookup: Callable, hidden: bool = False) -> None:
    """Check ``hard_lookup(query, keys, values)`` -> the best key's value row, (..., d_v)."""
    __tracebackhide__ = True
    for case in _hard_lookup_cases(hidden):
        q, k, v = case.args
        expected = search.hard_lookup(q, k, v)
        scores = search.dot_scores(q, k)
        last_best = k.shape[0] - 1 - np.argmax(scores[..., ::-1], axis=-1)
        is_best = (scores == scores.max(axis=-1, keepdims=True)).astype(float)
        tied_sum = is_best @ v
        diagnoses: list[tuple[Any, str]] = [
            (np.argmax(scores, axis=-1).astype(float),
             "It looks like the index of the best key: return that key's row of values instead."),
            (scores.max(axis=-1),
             "It is the best score itself: return the value row of the key with that score."),
            (k[np.argmax(scores, axis=-1)],
             "It is the best-matching key itself; the lookup should return that key's value."),
            (v[np.argmin(scores, axis=-1)],
             "It is the value of the lowest-scoring key: the best match has the highest score."),
            (v[last_best],
             "When several keys tie for the best score, return the value of the first of them "
             "(np.argmax does this); yours returns a later one."),
            *[(wrong, f"When several keys tie for the best score, yours {does}: return the value of the "
                      "first of them only (np.argmax picks it).")
              for wrong, does in (
                  (tied_sum, "adds up their values (as a 0/1 weight on every best key would)"),
                  (tied_sum / is_best.sum(axis=-1, keepdims=True), "averages their values"))],
            (search.soft_lookup(q, k, v),
             "It blends several values: a hard lookup returns exactly one value row, unchanged."),
        ]
        if scores.ndim >= 2:
            diagnoses.append(
                (v[np.argmax(scores, axis=0)],
                 "It picks the best query for each key (an argmax along axis 0, across the "
                 "queries): take the argmax along the last axis, over the keys, so that each "
                 "query gets the value of its own best key."))
        check_call(hard_lookup, "hard_lookup", {"query": q, "keys": k, "values": v}, expected,
                   forbidden=FORBIDDEN["hard_lookup"], context=trusted_helpers(hard_lookup, _TRUSTED),
                   diagnoses=diagnoses,
                   shape_hint="Each query should give one row of values: query (..., d), "
                              "values (n, d_v) -> (..., d_v).")


# --------------------------------------------------------------------------- soft_lookup

def _soft_lookup_cases(hidden: bool) -> list[Case]:
    q, k, v = _example()
    if not hidden:
        return [Case((q, k, v)), Case((q, k, v), {"temperature": 0.5}),
                Case((np.stack([q, -q, 0 * q]), k, v), {"temperature": 2.0}),
                Case((400 * q, k, v))]
    return hidden_cases("search").soft_lookup_cases()


@guarded
def check_soft_lookup(soft_lookup: Callable, hidden: bool = False) -> None:
    """Check ``soft_lookup(query, keys, values, temperature=1.0)`` -> (..., d_v)."""
    __tracebackhide__ = True
    for case in _soft_lookup_cases(hidden):
        q, k, v = case.args
        t = case.kwargs.get("temperature", 1.0)
        expected = search.soft_lookup(q, k, v, temperature=t)
        scores = search.dot_scores(q, k)
        with np.errstate(over="ignore", invalid="ignore"):
            naive = (np.exp(scores / t) / np.exp(scores / t).sum(-1, keepdims=True)) @ v
        diagnoses: list[tuple[Any, str]] = []
        if t != 1.0:
            diagnoses += [
                (softmax(scores) @ v,
                 f"It is the result for temperature 1, but temperature={t} was passed: divide the "
                 "scores by the temperature before the softmax."),
                (softmax(scores * t) @ v,
                 "It looks like the scores were multiplied by the temperature; divide them instead, "
                 "so that a small temperature gives sharp weights."),
            ]
        diagnoses += unnormalised(expected)
        if scores.ndim > 1:
            diagnoses.append(
                (softmax(scores, axis=0, temperature=t) @ v,
                 "The weights were normalised over the wrong axis (across queries); each query's "
                 "weights over the keys must sum to 1, so normalise along the last axis."))
        if t > 0.05:
            diagnoses.append(
                (search.hard_lookup(q, k, v),
                 "It is the single best value: a soft lookup blends all value rows, weighted by the "
                 "softmax of the scores."))
        weights = search.attention_weights(q, k, t)
        if weights.shape != expected.shape:
            diagnoses.append(
                (lambda a, shape=weights.shape: a.shape == shape,
                 "It has one number per key, like the attention weights: multiply the weights by the "
                 "values to get their weighted average."))
        finite_hint = ""
        if not np.isfinite(naive).all():
            finite_hint = overflow_hint(float(np.abs(scores).max()), scaled_by=None)
        check_call(soft_lookup, "soft_lookup", {"query": q, "keys": k, "values": v}, expected,
                   kwargs=case.kwargs, forbidden=FORBIDDEN["soft_lookup"],
                   context=trusted_helpers(soft_lookup, _TRUSTED), rtol=1e-5, atol=1e-8, diagnoses=diagnoses,
                   finite_hint=finite_hint,
                   shape_hint="Each query should give one blended row of values: query (..., d), "
                              "values (n, d_v) -> (..., d_v).")


#: The check of each graded function, by the function's name (what the grader runs).
CHECKS = {
    'dot_scores': check_dot_scores,
    'hard_lookup': check_hard_lookup,
    'soft_lookup': check_soft_lookup,
}
#: The reference of each graded function: it answers a check's calls for a first guess at
#: what the grader will ask the kernel (qkv_grader.remote), never for a grade.
REFERENCES = {
    'dot_scores': search.dot_scores,
    'hard_lookup': search.hard_lookup,
    'soft_lookup': search.soft_lookup,
}


#: The questions of the problem set (qkv_course/checks/questions.py): each answer's form; the
#: keys are the grader's (qkv_grader/hidden/search.py).
QUESTIONS = question_checks(
    "search",
    Question("tied_keys", (
        Part("hard", "numbers", "the row that hard_lookup returns", length=3),
        Part("cold", "numbers", "soft_lookup's output as the temperature goes to 0", length=3))),
    Question("unrelated_titles", (
        Part("best_weight", "number", "the weight of the title that scores 3, to 3 decimals"),
        Part("zero_share", "number", "the total weight of the seven titles that score 0, to 3 decimals"))),
    Question("long_query", (
        Part("nan_count", "int", "how many of the 4 literal weights are NaN", low=0, high=4),
        Part("zero_count", "int", "how many of the 4 literal weights are exactly 0", low=0, high=4),
        Part("temperature", "number", "the temperature that gives the original weights back"))),
)
check_tied_keys = QUESTIONS["tied_keys"]
check_unrelated_titles = QUESTIONS["unrelated_titles"]
check_long_query = QUESTIONS["long_query"]
__all__ += ["QUESTIONS", "check_tied_keys", "check_unrelated_titles", "check_long_query"]


# Loaded by the notebook's imports cell, before any student code: record numpy, torch and the
# course as they are now, and make the grading modules read-only (see guard.py).
seal()
