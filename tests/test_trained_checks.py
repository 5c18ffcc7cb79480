"""ps11 grading: correct answers pass, the expected values are the real model's, and the typical
mistakes get their targeted messages (in-process; tests/submissions/ps11_trained runs a selection
of these through nbgrader)."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from qkv_course import pretrained
from qkv_course.checks import trained as checks
from qkv_course.checks.core import FeedbackError


REPO = Path(__file__).resolve().parents[1]


def fails_somewhere(check, fn) -> str:
    """The message of the first failing set (visible, then hidden)."""
    for hidden in (False, True):
        try:
            check(fn, hidden=hidden)
        except FeedbackError as err:
            return str(err)
    raise AssertionError("no check failed")


# --------------------------------------------------------------------------- minilm_self_attention

def minilm(hidden, weights, attention_mask, num_heads, *, transpose=True, biases="qkvo",
           scale="head", mask="keys", split="right", merge="right", project_out=True,
           average=False, swap=False):
    """A student's MiniLM self-attention, with switches for the classic mistakes."""
    batch, n, d = hidden.shape
    dh = d // num_heads

    def linear(A, k):
        W = weights["W_" + k]
        out = A @ (W.T if transpose else W)
        return out + weights["b_" + k] if k in biases else out

    def heads(A):
        if split == "no_transpose":
            return A.reshape(batch, num_heads, n, dh)
        return A.reshape(batch, n, num_heads, dh).transpose(0, 2, 1, 3)

    Q, K, V = (heads(linear(hidden, k)) for k in "qkv")
    s = Q @ K.transpose(0, 1, 3, 2) / {"head": math.sqrt(dh), "none": 1.0, "model": math.sqrt(d)}[scale]
    real = attention_mask.astype(bool)
    if mask == "keys":
        s = np.where(real[:, None, None, :], s, -np.inf)
    elif mask == "queries":
        s = np.where(real[:, None, :, None], s, -np.inf)
    elif mask == "inverted":
        s = np.where(real[:, None, None, :], -1e9, s)
    elif mask == "additive":
        s = s + attention_mask[:, None, None, :]
    elif mask == "multiply":
        s = s * attention_mask[:, None, None, :]
    e = np.exp(s - s.max(axis=-1, keepdims=True))
    probs = e / e.sum(axis=-1, keepdims=True)
    if mask == "after":
        probs = probs * attention_mask[:, None, None, :]
    ctx = probs @ V
    joined = ctx.reshape(batch, n, d) if merge == "no_transpose" else ctx.transpose(0, 2, 1, 3).reshape(batch, n, d)
    output = linear(joined, "o") if project_out else joined
    if average:
        probs = probs.mean(axis=1)
    return (probs, output) if swap else (output, probs)


def test_expected_values_are_the_model_and_the_course_reproduction_agrees():
    case = checks.minilm_case(("The cat sat on the mat.", "Dogs bark."), 2)
    w = pretrained.layer_attention_weights(checks.minilm()[1], 2)
    probs, dense, _ = pretrained.reproduce_attention(case.hidden, w, case.attention_mask)
    assert np.abs(probs - case.probs).max() < 1e-5
    assert np.abs(dense - case.output).max() < 1e-5
    assert np.allclose(case.weights["W_q"], w.W_q.T)           # torch's layout is given
    assert not case.attention_mask.all()                        # a padded batch


def test_correct_minilm_passes():
    checks.check_minilm_self_attention(minilm)
    checks.check_minilm_self_attention(minilm, hidden=True)


def test_hidden_minilm_cases_have_padding_several_layers_and_sizes():
    layers = {layer for _, layer in checks._minilm_cases(hidden=True)}
    assert len(layers) >= 3 and 0 not in layers
    assert any(len(s) > 1 for s, _ in checks._minilm_cases(hidden=True))


@pytest.mark.parametrize("switches, message", [
    ({"transpose": False}, "in torch's nn.Linear layout"),
    ({"scale": "none"}, "The scores were not scaled"),
    ({"scale": "model"}, "divided by sqrt(d_model) = sqrt(384)"),
    ({"biases": "kvo"}, "The query bias b_q is missing"),
    ({"biases": "o"}, "The query bias b_q is missing"),
    ({"biases": "qk"}, "The value and output biases are missing"),
    ({"biases": "qko"}, "The value bias b_v is missing"),
    ({"biases": "qkv"}, "The output bias b_o is missing"),
    ({"split": "no_transpose"}, "the heads are mixed up"),
    ({"merge": "no_transpose"}, "the heads were joined wrongly"),
    ({"project_out": False}, "without the output projection"),
    ({"mask": "none"}, "The padding was ignored"),
    ({"mask": "additive"}, "The attention mask itself (0s and 1s) was added"),
    ({"mask": "queries"}, "blocked the padded *queries*"),
    ({"mask": "multiply"}, "The scores were multiplied by the attention mask"),
    ({"mask": "after"}, "The padded keys were zeroed after the softmax"),
    ({"mask": "inverted"}, "mask inverted"),
    ({"average": True}, "averaged over the heads"),
    ({"swap": True}, "output first"),
])
def test_minilm_mistakes_get_their_message(switches, message):
    def student(hidden, weights, attention_mask, num_heads):
        return minilm(hidden, weights, attention_mask, num_heads, **switches)

    assert message in fails_somewhere(checks.check_minilm_self_attention, student)


def test_minilm_shortcuts_are_refused():
    from qkv_course import multihead

    def course(hidden, weights, attention_mask, num_heads):
        out, probs = multihead.multi_head_attention(
            hidden, *(weights[f"W_{k}"].T for k in "qkvo"), num_heads,
            attention_mask.astype(bool)[:, None, :],
            **{f"b_{k}": weights[f"b_{k}"] for k in "qkvo"})
        return out, probs

    message = fails_somewhere(checks.check_minilm_self_attention, course)
    assert "qkv_course.multihead.multi_head_attention" in message

    def sdpa(hidden, weights, attention_mask, num_heads):
        out, probs = minilm(hidden, weights, attention_mask, num_heads)
        t = torch.tensor(hidden[:, None])
        torch.nn.functional.scaled_dot_product_attention(t, t, t)
        return out, probs

    assert "scaled_dot_product_attention" in fails_somewhere(checks.check_minilm_self_attention, sdpa)


def test_minilm_weights_changed_in_place():
    def student(hidden, weights, attention_mask, num_heads):
        for k in "qkvo":
            weights["W_" + k] = weights["W_" + k].T
        return minilm(hidden, weights, attention_mask, num_heads, transpose=False)

    assert "changed weights['W_q'] in place" in fails_somewhere(checks.check_minilm_self_attention, student)


# --------------------------------------------------------------------------- retrieval_attention

def toy(X, W_q, W_k, W_v, W_o, *, scale="sqrt", dim=-1, use_o=True, raw=False, swap=False,
        stable=True, values="W_v"):
    """A student's torch single-head attention, with switches for the classic mistakes."""
    if raw:
        Q, K, V = (X @ W.weight + W.bias for W in (W_q, W_k, W_v))
    else:
        Q, K, V = W_q(X), W_k(X), W_v(X)
    if values != "W_v":
        V = X if values == "X" else {"W_k": W_k, "W_q": W_q}[values](X)
    if swap:
        Q, K = K, Q
    d = X.shape[-1]
    s = Q @ K.transpose(-1, -2) / {"sqrt": math.sqrt(d), "d": float(d)}[scale]
    if stable:
        s = s - s.amax(dim=dim, keepdim=True)
    e = torch.exp(s)
    w = e / e.sum(dim=dim, keepdim=True)
    out = w @ V
    return (W_o(out) if use_o else out), w


def test_correct_toy_passes():
    checks.check_retrieval_attention(toy)
    checks.check_retrieval_attention(toy, hidden=True)


@pytest.mark.parametrize("switches, message", [
    ({"scale": "d"}, "The scores were divided by d_model"),
    ({"dim": -2}, "The softmax ran over the queries"),
    ({"raw": True}, "an nn.Linear computes X @ weight.T + bias"),
    ({"swap": True}, "Queries and keys are swapped"),
    ({"use_o": False}, "the output projection W_o is missing"),
    ({"stable": False}, "torch.exp overflows"),
    ({"values": "W_k"}, "the values were computed with W_k"),
    ({"values": "W_q"}, "the values were computed with W_q"),
    ({"values": "X"}, "the values are X itself"),
])
def test_toy_mistakes_get_their_message(switches, message):
    def student(X, W_q, W_k, W_v, W_o):
        return toy(X, W_q, W_k, W_v, W_o, **switches)

    assert message in fails_somewhere(checks.check_retrieval_attention, student)


def test_toy_that_cannot_learn_fails_the_training_check():
    def frozen(X, W_q, W_k, W_v, W_o):
        with torch.no_grad():
            return toy(X, W_q, W_k, W_v, W_o)

    message = fails_somewhere(checks.check_retrieval_attention, frozen)
    assert "After training" in message and "held-out examples" in message


def test_toy_course_layer_is_refused():
    from qkv_course.nn import MultiHeadAttention

    def course(X, W_q, W_k, W_v, W_o):
        layer = MultiHeadAttention(X.shape[-1], 1)
        layer.W_q, layer.W_k, layer.W_v, layer.W_o = W_q, W_k, W_v, W_o
        return layer(X)

    assert "qkv_course.nn.MultiHeadAttention" in fails_somewhere(checks.check_retrieval_attention, course)


def test_training_restores_the_global_torch_state():
    state, threads = torch.get_rng_state(), torch.get_num_threads()
    checks.check_retrieval_attention(toy)
    assert torch.equal(torch.get_rng_state(), state)
    assert torch.get_num_threads() == threads


def test_toy_warnings_in_training_and_evaluation_stay_off_stderr(capsys):
    """The held-out evaluation calls the student's function too: its warnings must be reported
    on stdout like the rest (nbgrader fails a test cell that writes to stderr)."""
    import warnings

    def noisy(X, W_q, W_k, W_v, W_o):
        warnings.warn("a warning from the student")
        return toy(X, W_q, W_k, W_v, W_o)

    with warnings.catch_warnings():
        warnings.simplefilter("error")   # a warning escaping the grader would raise here
        checks.check_retrieval_attention(noisy)
    out, err = capsys.readouterr()
    assert "a warning from the student" in out and not err


def test_minilm_log_mask_warning_costs_nothing(capsys):
    def log_mask(hidden, weights, attention_mask, num_heads):
        out, _ = minilm(hidden, weights, attention_mask, num_heads)
        batch, n, d = hidden.shape
        dh = d // num_heads
        Q, K = ((hidden @ weights["W_" + k].T + weights["b_" + k]).reshape(batch, n, num_heads, dh)
                .transpose(0, 2, 1, 3) for k in "qk")
        s = Q @ K.transpose(0, 1, 3, 2) / math.sqrt(dh) + np.log(attention_mask)[:, None, None, :]
        e = np.exp(s - s.max(axis=-1, keepdims=True))
        return out, e / e.sum(axis=-1, keepdims=True)

    checks.check_minilm_self_attention(log_mask, hidden=True)
    out, err = capsys.readouterr()
    assert "divide by zero encountered in log" in out and not err


def test_the_graders_warm_up_makes_every_case_and_training_split_before_a_check_asks():
    import subprocess
    import sys

    from qkv_grader.assignments import ASSIGNMENTS
    from qkv_grader.hidden import trained as hidden

    checks._minilm_case.cache_clear()
    checks._held_out.cache_clear()
    checks._make_toy_case.cache_clear()
    ASSIGNMENTS["ps11_trained"].warm_up()
    cases = {(tuple(s), int(layer)) for s, layer in checks._minilm_cases(False) + checks._minilm_cases(True)}
    assert checks._minilm_case.cache_info().currsize == len(cases)
    assert checks._held_out.cache_info().currsize == len({0, *hidden.TRAINING_SEEDS})
    toys = {(tuple(s), float(x), int(seed)) for s, x, seed in checks._toy_cases(False) + checks._toy_cases(True)}
    assert checks._make_toy_case.cache_info().currsize == len(toys)
    hits = checks._minilm_case.cache_info().hits, checks._make_toy_case.cache_info().hits
    checks.minilm_case(*next(iter(cases)))          # a check's calls are now answered from the caches
    checks._toy_case(*next(iter(toys)))
    assert (checks._minilm_case.cache_info().hits, checks._make_toy_case.cache_info().hits) == \
        (hits[0] + 1, hits[1] + 1)
    # and torch is imported by the warm-up, not by the first check (a fresh process: this one
    # imported torch long ago)
    code = ("import sys; from qkv_grader.assignments import ASSIGNMENTS; assert 'torch' not in sys.modules; "
            "ASSIGNMENTS['ps11_trained'].warm_up(); print('torch' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True).stdout.strip() == "True"


def test_a_toy_case_made_once_is_never_changed_by_the_function_it_checks():
    """The toy cases are kept per process: the function under test gets copies of the layer and
    of X, and the expected values cannot be written."""
    import torch

    shape, scale, seed = (2, 3, 4), 1.0, 7
    case = checks._toy_case(shape, scale, seed)
    before = {k: v.clone() for k, v in case.layer.state_dict().items()}, case.X.clone()

    def vandal(X, W_q, W_k, W_v, W_o):
        with torch.no_grad():
            for lin in (W_q, W_k, W_v, W_o):
                lin.weight.add_(1.0)
            X.mul_(2.0)
        return torch.zeros(2, 3, 4), torch.zeros(2, 3, 3)

    with pytest.raises(FeedbackError):
        checks._check_toy_call(vandal, shape, scale, seed)
    assert all(torch.equal(case.layer.state_dict()[k], v) for k, v in before[0].items())
    assert torch.equal(case.X, before[1])
    with pytest.raises(ValueError):
        case.output[...] = 0.0
    assert all(not a.flags.writeable for a, _ in case.weight_diagnoses + case.output_diagnoses)

    def attention(X, W_q, W_k, W_v, W_o):
        S = W_q(X) @ W_k(X).transpose(-1, -2) / X.shape[-1] ** 0.5
        e = torch.exp(S - S.amax(dim=-1, keepdim=True))
        weights = e / e.sum(dim=-1, keepdim=True)
        return W_o(weights @ W_v(X)), weights

    checks._check_toy_call(attention, shape, scale, seed)   # the case still passes a correct answer


def test_the_evaluation_of_trained_parameters_is_kept_by_their_bytes():
    """A check runs again each round and for each notebook: the same trained parameters are
    evaluated once; other parameters (one bit apart) or another seed, again; what comes back
    is the same either way."""
    from qkv_course import trained as retrieval

    state = {k: v.detach().double().numpy() for k, v in retrieval.RetrievalModel().state_dict().items()}
    checks._EVALUATED.clear()
    calls = []
    real = retrieval.accuracy

    def counted(model, data):
        calls.append(1)
        return real(model, data)

    retrieval.accuracy = counted
    try:
        first = checks._evaluate({"state": state}, "label", 0)
        again = checks._evaluate({"state": {k: v.copy() for k, v in state.items()}}, "label", 0)
        assert len(calls) == 1 and again[0] == first[0] and np.array_equal(again[1], first[1])
        other = dict(state)
        key = next(iter(other))
        other[key] = np.nextafter(other[key].astype(np.float32), np.float32(np.inf)).astype(np.float64)
        checks._evaluate({"state": other}, "label", 0)
        checks._evaluate({"state": state}, "label", 1)
        assert len(calls) == 3
        for bad in ({"state": {k: v.astype(str) for k, v in state.items()}}, {"state": {}}, None):
            with pytest.raises(FeedbackError, match="did not come back"):
                checks._evaluate(bad, "label", 0)
    finally:
        retrieval.accuracy = real


def test_the_notebook_states_the_number_of_training_steps_the_grader_uses():
    for folder in ("solutions", "notebooks"):
        text = (Path(__file__).resolve().parents[1] / folder / "ps11_trained" / "trained.ipynb").read_text()
        assert f"trained for {checks.TRAIN_STEPS} steps" in text, folder


def test_minilm_runs_are_kept_between_grading_processes(tmp_path, monkeypatch):
    """Where the grader keeps them (its cache folder), a MiniLM case is run once and read back by
    every later process, as plain data, the same numbers; a damaged file is run again; without
    the cache (a student's kernel) nothing is written."""
    from qkv_grader.assignments import ASSIGNMENTS

    monkeypatch.setenv("QKV_CACHE_DIR", str(tmp_path))
    monkeypatch.setitem(checks._CACHE, "dir", None)   # put back afterwards
    checks.keep_runs_in(None)
    ASSIGNMENTS["ps11_trained"].module()             # the grader's use of the checks
    assert checks._CACHE["dir"] == tmp_path
    for mounted in (sys.prefix, str(Path(checks.__file__).parents[2] / "cache")):
        monkeypatch.setenv("QKV_CACHE_DIR", mounted)   # a folder the sandbox mounts: not used
        ASSIGNMENTS["ps11_trained"].module()
        assert checks._CACHE.get("dir") is None, mounted
    monkeypatch.setenv("QKV_CACHE_DIR", str(tmp_path))
    ASSIGNMENTS["ps11_trained"].module()
    runs = []
    real = pretrained.model_attention_tensors          # what running the model is
    monkeypatch.setattr(pretrained, "model_attention_tensors", lambda *a: runs.append(a) or real(*a))
    case = (("The cat sat on the mat.", "Dogs bark."), 1)
    try:
        checks._minilm_case.cache_clear()
        first = checks.minilm_case(*case)
        [path] = tmp_path.glob("minilm-*.qkvpack")
        checks._minilm_case.cache_clear()            # as in a new process
        again = checks.minilm_case(*case)
        assert len(runs) == 1
        for name in ("hidden", "attention_mask", "probs", "output"):
            a, b = getattr(first, name), getattr(again, name)
            assert a.dtype == b.dtype and np.array_equal(a, b), name
        assert list(first.weights) == list(again.weights)
        assert all(np.array_equal(first.weights[k], again.weights[k]) for k in first.weights)
        assert (again.num_heads, again.sentences, again.layer) == (first.num_heads, *case)
        path.write_bytes(path.read_bytes()[:-7])    # damaged: run again, and kept again
        checks._minilm_case.cache_clear()
        checks.minilm_case(*case)
        assert len(runs) == 2 and checks._read_case(path, *case) is not None
        checks._minilm_case.cache_clear()
        checks.minilm_case(case[0], 2)               # another layer: another run, another file
        assert len(runs) == 3 and len(list(tmp_path.glob("minilm-*.qkvpack"))) == 2
        checks.keep_runs_in(None)
        checks._minilm_case.cache_clear()
        checks.minilm_case(case[0], 3)
        assert len(runs) == 4 and len(list(tmp_path.glob("minilm-*.qkvpack"))) == 2
    finally:
        checks._minilm_case.cache_clear()
