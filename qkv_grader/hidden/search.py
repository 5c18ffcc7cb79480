"""Hidden cases of ps01, "Search as attention" (instructor side only): the inputs that
:mod:`qkv_course.checks.search`'s checks use with ``hidden=True``."""

from __future__ import annotations

import numpy as np

from qkv_course.checks.search import Case, _corpus, _random, _with_tie


def dot_scores_cases() -> list[Case]:
    """The (query, keys) of dot_scores."""
    queries, keys, _ = _corpus()
    q3, k3, _ = _random((2, 3), n=5, d=4, d_v=2, seed=1)
    q1, k1, _ = _random((), n=6, d=1, d_v=2, seed=2)
    return [Case((queries[0], keys)), Case((queries, keys)), Case((q3, k3)), Case((q1, k1))]

def hard_lookup_cases() -> list[Case]:
    """The (query, keys, values) of hard_lookup."""
    queries, keys, values = _corpus()
    q3, k3, v3 = _random((2, 3), n=5, d=4, d_v=3, seed=3)
    tq, tk, tv = _with_tie()
    return [Case((queries, keys, values)), Case((q3, k3, v3)), Case((np.stack([tq, -tq]), tk, tv))]

def soft_lookup_cases() -> list[Case]:
    """The (query, keys, values) and temperatures of soft_lookup."""
    queries, keys, values = _corpus()
    q3, k3, v3 = _random((2, 3), n=5, d=4, d_v=3, seed=4)
    big_q, big_k, big_v = _random((3,), n=6, d=4, d_v=2, scale=25.0, seed=5)
    return [
        Case((queries, keys, values)),
        Case((queries, keys, values), {"temperature": 0.25}),
        Case((q3, k3, v3), {"temperature": 3.0}),
        Case((q3, k3, v3), {"temperature": 0.01}),
        Case((big_q, big_k, big_v)),
    ]


def _keys() -> dict:
    """The keys of ps01's questions (qkv_course.checks.search.QUESTIONS), computed with the
    course's search functions from the numbers the questions give."""
    from qkv_course.checks.questions import Key, Mistake
    from qkv_course.search import attention_weights, hard_lookup, soft_lookup
    from qkv_course.softmax import softmax

    # Question 1: vocabulary (cats, funny, guitar, lesson), topics (comedy, music, pets)
    keys = np.array([[0, 0, 1, 1],      # "guitar lesson", music
                     [1, 1, 0, 0],      # "funny cats", pets
                     [0, 1, 1, 0],      # "funny guitar", comedy
                     [0, 0, 0, 1.0]])   # "lesson", music
    values = np.eye(3)[[1, 2, 0, 1]]
    query = np.array([1, 1, 1, 0.0])    # "funny cats guitar"
    hard = hard_lookup(query, keys, values)
    cold = soft_lookup(query, keys, values, temperature=1e-3)
    tied = np.flatnonzero(keys @ query == (keys @ query).max())
    tie = Key(
        {"hard": hard, "cold": cold},
        (Mistake({"hard": values[tied[-1]]},
                 "that is the value of the last of the two tied titles: hard_lookup takes the "
                 "first best key (np.argmax returns the first maximum), \"funny cats\"."),
         Mistake({"hard": cold},
                 "a hard lookup returns one value row, never a blend: on a tie it still picks one "
                 "key (the first), and the other is lost."),
         Mistake({"cold": hard},
                 "as T goes to 0 the softmax does not pick one of two tied keys: they keep equal "
                 "scores, so they share the weight, 1/2 each, and the output averages their values."),
         Mistake({"cold": values.mean(axis=0)},
                 "that is the plain average of all four values, the limit as T grows large; as T "
                 "goes to 0 only the best-scoring keys keep any weight."),
         Mistake({"cold": soft_lookup(query, keys, values)},
                 "that is the output at T = 1; as T goes to 0 the keys below the best score lose "
                 "all their weight.")),
        hint="Score each title (the words it shares with the query); two titles tie for the best.")

    # Question 2: scores 3, 1, 1 and seven 0s
    scores = np.array([3.0, 1.0, 1.0] + [0.0] * 7)
    weights = softmax(scores)
    zero = scores == 0
    unrelated = Key(
        {"best_weight": weights[0], "zero_share": weights[zero].sum()},
        (Mistake({"zero_share": 0.0},
                 "a title with score 0 still gets e^0 = 1 in the numerator: softmax never gives "
                 "exactly 0, and seven such titles add up."),
         Mistake({"zero_share": weights[zero][0]},
                 "that is the weight of one of the seven titles; the question asks for the seven "
                 "together."),
         Mistake({"zero_share": zero.mean()},
                 "that is the seven titles' share of the titles, not of the weight: each gets "
                 "e^0 = 1 where the best title gets e^3."),
         Mistake({"best_weight": scores[0] / scores.sum()},
                 "that divides the scores by their sum; the softmax divides the exponentials "
                 "e^score by their sum."),
         Mistake({"best_weight": 1.0},
                 "that is a hard lookup (the limit T -> 0); at T = 1 every title keeps some weight."),
         Mistake({"best_weight": np.exp(scores[0])},
                 "that is e^3 before normalising: divide by the sum of all ten exponentials.")),
        hint="The weights are e^score / (e^3 + 2e + 7).")

    # Question 3: scores (3, 1, 1, 0), the query 300 times longer
    base = np.array([3.0, 1.0, 1.0, 0.0])
    factor = 300.0
    long_scores = factor * base
    with np.errstate(over="ignore", invalid="ignore"):
        literal = np.exp(long_scores) / np.exp(long_scores).sum()
    long_k = np.diag(np.ones(4))      # identity keys: the scores are the query itself
    assert np.allclose(attention_weights(factor * base, long_k, temperature=factor), softmax(base))
    long_query = Key(
        {"nan_count": int(np.isnan(literal).sum()), "zero_count": int((literal == 0).sum()),
         "temperature": factor},
        (Mistake({"nan_count": 4},
                 "only the first weight is inf / inf = NaN: e^300 (about 2e130) and e^0 are "
                 "finite, and a finite number divided by inf is exactly 0."),
         Mistake({"nan_count": 3},
                 "e^300 (about 2e130) does not overflow: float64 reaches about 1.8e308, so only "
                 "exponents above about 709.8 overflow, here only e^900."),
         Mistake({"nan_count": 0},
                 "e^900 overflows float64 (whose largest exponent is about 709.8) to inf, so the "
                 "sum is inf and the first weight is inf / inf = NaN."),
         Mistake({"temperature": 1 / factor},
                 "dividing by T = 1/300 multiplies the scores by 300 once more; to undo the factor "
                 "300, divide the scores by T = 300."),
         Mistake({"temperature": np.sqrt(factor)},
                 "the square root belongs to random vectors (chapter 4); here every score is "
                 "exactly 300 times larger, so dividing by 300 undoes it.")),
        hint="A dot product is linear: 300 q gives scores (900, 300, 300, 0).")
    return {"tied_keys": tie, "unrelated_titles": unrelated, "long_query": long_query}


KEYS = _keys()
