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


# --------------------------------------------------------------------------- question keys

def _keys() -> dict:
    """The keys of ps02's questions (qkv_course.checks.softmax.QUESTIONS), computed with the
    course's softmax from the numbers the questions give."""
    from qkv_course.checks.questions import Key, Mistake
    from qkv_course.softmax import masked_softmax, softmax

    scores = np.array([2.0, 1.0, 0.5, -1.0])
    before, after, doubled = softmax(scores), softmax(scores / 0.5), softmax(scores / 2.0)
    grows = int(np.argmax(after - before))
    shrinks = int(np.argmin(after - before))
    halve = Key(
        {"position": grows, "new_weight": after[grows]},
        (Mistake({"position": len(scores) - 1},
                 "the smallest score's weight does not grow when the temperature falls: dividing "
                 "by a smaller T stretches the gaps between scores, so the largest score takes "
                 "weight from all the others."),
         Mistake({"position": shrinks},
                 f"position {shrinks}'s weight shrinks the most; the question asks which grows. "
                 "A lower temperature sharpens the weights towards the largest score."),
         Mistake({"new_weight": doubled[grows]},
                 "that is the weight at T = 2: halving the temperature means dividing the scores "
                 "by 0.5, which doubles them."),
         Mistake({"new_weight": before[grows]}, "that is the weight at T = 1, before the change."),
         Mistake({"new_weight": after[grows] - before[grows]},
                 "that is how much the weight grows; the question asks for its new weight."),
         Mistake({"new_weight": np.exp(scores / 0.5)[grows]},
                 "that is the exponential before normalising: divide by the sum of the "
                 "exponentials so the weights sum to 1.")),
        hint="Divide the scores by T = 0.5 and take the softmax of the result.")

    big = np.array([1000.0, 999.0, 998.0])
    stable = softmax(big)
    with np.errstate(over="ignore", invalid="ignore"):
        literal = np.exp(big) / np.exp(big).sum()
    large = Key(
        {"literal_finite": bool(np.isfinite(literal).all()), "first_weight": stable[0]},
        (Mistake({"literal_finite": True},
                 "e^1000 overflows float64 (whose largest exponent is about 709.8) to inf, and "
                 "the literal formula then computes inf / inf = nan."),
         Mistake({"first_weight": 1 / 3},
                 "the weights are not equal: subtracting the maximum keeps the gaps between the "
                 "scores (2, 1 and 0 after the shift), and those gaps decide the weights."),
         Mistake({"first_weight": 1.0},
                 "the largest score does not take all the weight: it is only 1 above the next."),
         Mistake({"first_weight": stable[-1]}, "that is the weight of the smallest score (998).")),
        hint="Subtract the maximum first: the weights are softmax([2, 1, 0]).")

    n = 4
    causal = np.tril(np.ones((n, n), dtype=bool))
    weights = masked_softmax(np.zeros((n, n)), causal)
    causal_key = Key(
        {"row_2": weights[2], "zeros": int((weights == 0).sum())},
        (Mistake({"row_2": np.full(n, 1 / n)},
                 "the causal mask removes key 3 from token 2's row (a later token): a masked key "
                 "gets weight 0 and the keys left share the weight."),
         Mistake({"row_2": ~causal[2] / (~causal[2]).sum()},
                 "the mask is inverted: True means \"may attend\", so token 2 attends to keys "
                 "0, 1 and 2 (itself included), not to key 3."),
         Mistake({"row_2": weights[1]},
                 "that is token 1's row, or a mask that also hides the diagonal: rows count from "
                 "0 (token 2 is the third row), and a token may attend to itself."),
         Mistake({"zeros": int((~np.tril(np.ones((n, n), dtype=bool), -1)).sum())},
                 "the diagonal is not masked: a token may attend to itself, so the zeros are "
                 "the keys after each query (j > i)."),
         Mistake({"zeros": 0},
                 "a masked softmax gives masked positions a weight of exactly 0, not a small one.")),
        hint="Masked keys get weight 0; the allowed keys of a row share its weight.")
    return {"halve_temperature": halve, "large_scores": large, "causal_weights": causal_key}


KEYS = _keys()
