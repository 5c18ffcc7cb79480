"""Tests decided outside the kernel: the plain-data protocol (qkv_course.emit), the replay of a
check on the kernel's answers and its refusal of forged results (qkv_grader.remote),
the oracle of trusted helpers, and each grading kernel's view of the package
(qkv_grader.assignments).

The protocol is exercised end to end in-process here (request -> emit.respond -> accept), with
a real oracle socket; tests/test_assignments.py and tests/test_hostile.py run it through nbgrader
in the sandbox.
"""

from __future__ import annotations

import io
import pickle
import secrets
import typing as t
from pathlib import Path

import numpy as np
import pytest

import catalogue
from nbgrader_course import REPO
from qkv_course import emit
from qkv_course.checks import FeedbackError
from qkv_grader.assignments import ASSIGNMENTS, KERNEL_COMMON, kernel_view, library_stubs
from qkv_grader.remote import MAX_ROUNDS, ForgedResults, Oracle, Remote, Replay, Verdict

OUTSIDE = sorted(name for name, a in ASSIGNMENTS.items() if a.outside)


# --------------------------------------------------------------------------- plain data

def roundtrip(value):
    arrays: list[np.ndarray] = []
    tree = emit.encode(value, arrays)
    tree2, arrays2 = emit.unpack(emit.pack(tree, arrays))
    return emit.decode(tree2, arrays2)


def test_plain_values_travel_as_themselves():
    a = np.arange(6.0).reshape(2, 3)
    got = roundtrip((a, [1, 2.5, None, True], {"k": np.float32(2.0)}, 3 + 4j, "text", 2**70))
    assert isinstance(got, tuple) and np.array_equal(got[0], a) and got[0].dtype == a.dtype
    assert got[1] == [1, 2.5, None, True]
    assert type(got[2]["k"]) is np.float32 and got[2]["k"] == 2.0
    assert got[3] == 3 + 4j and got[4] == "text" and got[5] == 2**70


def test_objects_travel_as_their_type_name_only():
    def gen():
        yield 1

    class Always:
        def __eq__(self, other):
            return True

    got = roundtrip([gen(), Always(), np.array([object()], dtype=object)])
    assert [type(x).__name__ for x in got] == ["generator", "Always", "ndarray of Python objects"]
    assert isinstance(got[1], emit.Opaque) and not (got[1] == 1)


def test_subclasses_travel_as_their_real_data():
    class Lying(tuple):
        def __getitem__(self, i):
            return "lie"

        def __iter__(self):
            return iter(["lie", "lie"])

    masked = np.ma.masked_array([1.0, 2.0, 3.0], mask=[False, True, False])
    got = roundtrip((Lying((1, 2)), masked))
    assert got[0] == (1, 2)
    assert type(got[1]) is np.ndarray and got[1].tolist() == [1.0, 0.0, 3.0]


def test_torch_tensors_and_linear_layers_travel():
    torch = pytest.importorskip("torch")
    layer = torch.nn.Linear(3, 2)
    t = torch.ones(2, 3, requires_grad=True)
    got = roundtrip([t, layer])
    assert type(got[0]) is torch.Tensor and got[0].requires_grad and torch.equal(got[0], t.detach())
    assert type(got[1]) is torch.nn.Linear and torch.equal(got[1].weight, layer.weight.detach())


def test_unpack_never_unpickles():
    # a pickle, an .npz holding an object array, and a buffer whose header names object data
    with pytest.raises(ValueError):
        emit.unpack(pickle.dumps({"spec": 1}))
    buffer = io.BytesIO()
    np.savez(buffer, spec=np.frombuffer(b"{}", dtype=np.uint8), a0=np.array([{"x": 1}], dtype=object))
    with pytest.raises(ValueError):
        emit.unpack(buffer.getvalue())
    blob = emit.pack({"nd": 0}, [np.zeros(2)]).replace(b'"<f8"', b'"|O8"')
    with pytest.raises(ValueError, match="do not travel"):
        emit.unpack(blob)
    # what cannot travel is described, never packed
    arrays: list = []
    assert emit.encode(np.array([{"x": 1}], dtype=object), arrays) == {"object": "ndarray of Python objects"}
    assert emit.encode(np.zeros(2, dtype=[("a", "f8")]), arrays)["object"].startswith("ndarray of")
    assert arrays == []


@pytest.mark.parametrize("damage", ["truncated", "extra byte", "shape too large", "bad dtype",
                                   "negative size", "header too long", "magic"])
def test_unpack_refuses_buffers_that_are_not_what_their_header_says(damage):
    blob = emit.pack({"nd": 0}, [np.arange(6.0).reshape(2, 3)])
    damaged = {"truncated": blob[:-1], "extra byte": blob + b"\0",
               "shape too large": blob.replace(b"[2, 3]", b"[2, 4]"),
               "bad dtype": blob.replace(b'"<f8"', b'"xx8"'),
               "negative size": blob.replace(b"[2, 3]", b"[-2, -3]"),
               "header too long": blob[:8] + (10**9).to_bytes(8, "little") + blob[16:],
               "magic": b"X" + blob[1:]}[damage]
    with pytest.raises(ValueError):
        emit.unpack(damaged)


def test_unpacked_arrays_are_writable_copies():
    source = np.arange(4.0)
    blob = emit.pack({}, [source, np.arange(3, dtype=np.int8), np.array(["ab", "c"])])
    _, arrays = emit.unpack(blob)
    arrays["a0"][0] = 99.0
    assert source[0] == 0.0 and arrays["a1"].tolist() == [0, 1, 2] and arrays["a2"].tolist() == ["ab", "c"]


def test_unpack_refuses_buffers_larger_than_its_limit():
    blob = emit.pack({}, [np.zeros(2 * 1024**2, dtype=np.uint8)])
    with pytest.raises(ValueError, match="larger"):
        emit.unpack(blob, limit=1024**2)


# --------------------------------------------------------------------------- decide outside

def notebook_namespace(assignment: str, answers: dict[str, str]) -> dict:
    """The globals of a notebook of ``assignment`` with ``answers`` (others: the reference)."""
    notebook = REPO / "solutions" / assignment / catalogue.notebooks(assignment)[0]
    namespace: dict = {"__name__": "__main__"}
    import nbformat

    for cell in nbformat.read(notebook, as_version=4).cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "imports":
            exec(cell.source, namespace)
    for grade_id, code in catalogue.solutions_of(notebook).items():
        exec(compile(answers.get(grade_id, code), f"<{grade_id}>", "exec"), namespace)
    return namespace


#: The first runs shared by every decide() of this module, as a grading process shares them
#: between the notebooks it grades (qkv_grader.execute): a catalogue file's mistakes are decided
#: after the first runs of other files, as they are in a class.
MEMO: dict = {}


def decide(assignment: str, function: str, hidden: bool, namespace: dict, oracle: Oracle,
           tamper=None) -> Verdict:
    """What the grader decides for one test cell, the kernel answering in this process. The
    first run sees the names the notebook defines, as the grader's does when it has graded a
    notebook like it (so a correct answer's verdict comes from that run, Replay.run)."""
    spec = ASSIGNMENTS[assignment]
    check, reference = spec.check(function)
    replay = Replay(function, reference, names=emit.callables(namespace), memo=MEMO)
    from qkv_course.checks import guard

    for _ in range(MAX_ROUNDS + 1):
        # the "kernel" shares this process: put back what its code changed, as a grader process
        # of its own never sees it (checks replayed there do not restore anything themselves)
        guard.restore()
        verdict = replay.run(check, hidden=hidden)
        if verdict is not None:
            return verdict
        nonce = secrets.token_hex(8)
        with oracle.serving(nonce, replay.helpers()):
            blob = emit.respond(replay.request(nonce, oracle.path if replay.helpers() else None), namespace)
        emissions, foreign = ([blob], 0) if tamper is None else tamper(blob, nonce)
        replay.accept(nonce, emissions, foreign)
    raise AssertionError("too many rounds")


@pytest.fixture(scope="module")
def oracle(tmp_path_factory):
    server = Oracle(str(tmp_path_factory.mktemp("oracle") / "oracle"))
    yield server
    server.close()


@pytest.mark.parametrize("variant", [v for a in OUTSIDE for v in catalogue.variants(a)],
                         ids=lambda v: f"{v.path.parent.name}/{v.name}")
def test_outside_verdicts_equal_in_process_grading(variant, oracle):
    """Every catalogue file gets, decided outside the kernel, the result the in-process checks
    give it (pass or fail, per visible and hidden test), and each failure names its mistake."""
    from qkv_course.checks import guard

    assignment = variant.path.parent.name
    notebook = REPO / "solutions" / assignment / variant.notebook
    inside = catalogue.grade_in_process(notebook, variant.answers)
    try:
        namespace = notebook_namespace(assignment, variant.answers)
        outside: list[str] = []
        for function in variant.functions:
            messages = []
            for hidden in (False, True):
                verdict = decide(assignment, function, hidden, namespace, oracle)
                if verdict.error is not None:
                    messages.append(verdict.error)
            assert len(messages) == len(inside[function]), (function, messages, inside[function])
            outside += messages
        for line in variant.feedback:
            assert line in " ".join(outside), (line, outside)
    finally:
        guard.restore()


def requests_for(assignment: str, function: str, hidden: bool, namespace: dict, oracle: Oracle) -> int:
    """How many requests the grader sends the kernel to decide one test cell."""
    spec = ASSIGNMENTS[assignment]
    check, reference = spec.check(function)
    replay = Replay(function, reference, names=spec.functions())
    for requests in range(MAX_ROUNDS + 1):
        if replay.run(check, hidden=hidden) is not None:
            return requests
        nonce = secrets.token_hex(8)
        with oracle.serving(nonce, replay.helpers()):
            blob = emit.respond(replay.request(nonce, oracle.path if replay.helpers() else None), namespace)
        replay.accept(nonce, [blob], 0)
    raise AssertionError("too many rounds")


@pytest.mark.parametrize("assignment,layer", [("ps03_projections", "QKVProjection"),
                                              ("ps06_multihead", "MultiHeadAttention")])
def test_a_correct_layer_is_checked_in_one_request(assignment, layer, oracle):
    """The grader guesses the calls on a student's layer with the course's layer, named as the
    kernel names the student's (emit.Keeper): a correct layer's whole check, building, loading,
    calling and probing it, goes to the kernel in one request (it took one per call before)."""
    namespace = notebook_namespace(assignment, {})
    for hidden in (False, True):
        assert requests_for(assignment, layer, hidden, namespace, oracle) == 1


def test_a_blank_notebook_fails_every_test(oracle):
    for assignment in OUTSIDE:
        namespace = notebook_namespace(assignment, {})
        for function in ASSIGNMENTS[assignment].functions():
            def stub(*args, **kwargs):
                raise NotImplementedError()

            namespace[function] = stub
        for function in ASSIGNMENTS[assignment].functions():
            for hidden in (False, True):
                verdict = decide(assignment, function, hidden, namespace, oracle)
                assert verdict.error and "not written yet" in verdict.error, (assignment, function)


def _forged(kind: str):
    def tamper(blob: bytes, nonce: str):
        tree, arrays = emit.unpack(blob)
        if kind == "made_up":
            arrays = {k: np.zeros_like(v) for k, v in arrays.items()}
            return [emit.pack(tree, [arrays[f"a{i}"] for i in range(len(arrays))])], 0
        if kind == "twice":
            return [blob, blob], 0
        if kind == "none":
            return [], 0
        if kind == "foreign":
            return [blob], 1
        if kind == "wrong_ids":
            tree["results"] = tree["results"][::-1] + tree["results"][:1]
            return [emit.pack(tree, [arrays[f"a{i}"] for i in range(len(arrays))])], 0
        if kind == "wrong_nonce_inside":
            tree["nonce"] = "0" * 16
            return [emit.pack(tree, [arrays[f"a{i}"] for i in range(len(arrays))])], 0
        if kind == "garbage":
            return [emit.MAGIC + b"\xff" * 8 + b" not a buffer"], 0
        raise ValueError(kind)
    return tamper


@pytest.mark.parametrize("kind", ["twice", "none", "foreign", "wrong_ids", "wrong_nonce_inside", "garbage"])
def test_forged_results_get_nothing(kind, oracle):
    namespace = notebook_namespace("ps01_search", {})
    with pytest.raises(ForgedResults):
        decide("ps01_search", "dot_scores", True, namespace, oracle, tamper=_forged(kind))


def test_made_up_values_are_judged_as_answers(oracle):
    namespace = notebook_namespace("ps01_search", {})
    verdict = decide("ps01_search", "soft_lookup", True, namespace, oracle, tamper=_forged("made_up"))
    assert verdict.error and "wrong" in verdict.error


def test_the_oracle_answers_only_its_helpers_while_serving(oracle):
    client = emit._Oracle(oracle.path, "token-1")
    helper = client.helper("dot_scores")
    with pytest.raises(RuntimeError, match="no trusted dot_scores"):
        helper(np.ones(2), np.ones((3, 2)))
    with oracle.serving("token-1", {"dot_scores": lambda q, k: q @ k.T}):
        assert helper(np.ones(2), np.ones((3, 2))).tolist() == [2.0, 2.0, 2.0]
        with pytest.raises(RuntimeError, match="no trusted softmax"):
            client.helper("softmax")(np.ones(2))
        with pytest.raises(RuntimeError):
            emit._Oracle(oracle.path, "token-2").helper("dot_scores")(np.ones(2), np.ones((3, 2)))
    with pytest.raises(RuntimeError):
        helper(np.ones(2), np.ones((3, 2)))


def test_fingerprints_tell_apart_what_a_check_can_tell_apart():
    import torch

    from qkv_grader.remote import fingerprint

    def same(a, b) -> bool:
        return fingerprint(emit.Outcome(value=a)) == fingerprint(emit.Outcome(value=b))

    x = np.arange(6.0).reshape(2, 3)
    assert same(x, x.copy()) and same(np.array([np.nan, 1.0]), np.array([np.nan, 1.0]))
    assert same((x, {"w": torch.ones(2)}), (x.copy(), {"w": torch.ones(2)}))
    different = [(x, x.reshape(3, 2)), (x, x.astype(np.float32)), (x, np.nextafter(x, 9)),
                 (np.array([0.0]), np.array([-0.0])), (0.0, -0.0), (1, True), (1, 1.0), ((1, 2), [1, 2]),
                 ({"a": 1}, {"b": 1}), ("a", "b"), (np.float64(1), np.float32(1)), (None, 0),
                 (torch.ones(2), torch.ones(2, requires_grad=True)),
                 (torch.ones(2), torch.nn.Parameter(torch.ones(2))), (torch.ones(2), torch.ones(2).double()),
                 (emit._opaque("Layer", "k.0"), emit._opaque("Layer", "k.1")),
                 (emit._opaque("Layer", "k.0"), emit._opaque("Other", "k.0"))]
    for a, b in different:
        assert not same(a, b), (a, b)
    assert fingerprint(emit.Outcome(error="x")) != fingerprint(emit.Outcome(error="y"))
    assert fingerprint(emit.Outcome(value=1, peak=0)) != fingerprint(emit.Outcome(value=1, peak=10))


def count_runs(monkeypatch, key: str, function: str) -> tuple[list, t.Callable]:
    """Make the grader's check of ``function`` (chapter ``key``) count its runs: (the list a run
    appends to, the counting check)."""
    import importlib

    checks = importlib.import_module(f"qkv_course.checks.{key}")
    runs: list = []
    check = checks.CHECKS[function]

    def counted(fn, **kwargs):
        runs.append(1)
        return check(fn, **kwargs)

    monkeypatch.setitem(checks.CHECKS, function, counted)
    return runs, counted


def test_only_answers_equal_to_the_guesses_skip_the_checks_second_run(oracle, monkeypatch):
    """A run of the check on guesses gives its verdict without running again only when the
    kernel's answers are the guesses bit for bit, under the same names: a correct notebook's
    test costs one run of its check (none once a grading process has made that first run), an
    answer a rounding away from the guess gets a run on its own values, as a wrong one does."""
    runs, counted = count_runs(monkeypatch, "search", "dot_scores")
    correct = notebook_namespace("ps01_search", {})
    near = dict(correct, dot_scores=lambda q, k: correct["dot_scores"](q, k) * (1 + 1e-12))
    wrong = dict(correct, dot_scores=lambda q, k: correct["dot_scores"](q, k) + 1)

    def runs_of(namespace) -> tuple[int, str | None]:
        runs.clear()
        verdict = decide("ps01_search", "dot_scores", True, namespace, oracle)
        return len(runs), verdict.error

    assert runs_of(correct) == (1, None)        # the first run, on guesses, confirmed
    assert runs_of(correct) == (0, None)        # the first run from the memo, confirmed
    assert runs_of(near) == (1, None)           # the first run from the memo, then its own run
    count, error = runs_of(wrong)
    assert count == 1 and error and "dot_scores" in error
    # the names the kernel reports differ from those the first run saw: the check runs again
    spec = ASSIGNMENTS["ps01_search"]
    replay = Replay("dot_scores", spec.check("dot_scores")[1], names=spec.functions())
    runs.clear()
    assert replay.run(counted, hidden=True) is None
    nonce = secrets.token_hex(8)
    replay.accept(nonce, [emit.respond(replay.request(nonce, None), correct)], 0)
    assert replay.names != set(spec.functions())
    assert replay.run(counted, hidden=True) == Verdict(None, 0) and len(runs) == 2


def test_the_memo_keeps_a_few_first_runs_per_test():
    """Notebooks that each define other names (a hostile class can) cost the grader's memory
    at most MEMO_PER_TEST first runs per test, the most recently used."""
    from qkv_grader.remote import MEMO_PER_TEST

    spec = ASSIGNMENTS["ps01_search"]
    check, reference = spec.check("dot_scores")
    memo: dict = {}
    for i in range(6):
        names = {*spec.functions(), f"helper_{i}"}
        assert Replay("dot_scores", reference, names=names, memo=memo).run(check, hidden=True) is None
    [runs] = memo.values()
    assert len(runs) == MEMO_PER_TEST and frozenset({*spec.functions(), "helper_5"}) in runs


def test_a_layer_from_the_memo_gets_the_objects_its_guesses_need(oracle, monkeypatch):
    """A first run from the memo made no layer here; when the kernel's layer answers otherwise,
    the run that makes them comes first, so that the calls on the layer are still guessed (one
    more request, not one per call), and the mistake gets its message."""
    runs, _ = count_runs(monkeypatch, "projections", "QKVProjection")
    [variant] = [v for v in catalogue.variants("ps03_projections") if v.name == "mistake_module_2d_only"]
    correct = notebook_namespace("ps03_projections", {})
    wrong = notebook_namespace("ps03_projections", variant.answers)
    for namespace, expected_runs in ((correct, {1}), (correct, {0}), (wrong, {3})):
        runs.clear()
        verdict = decide("ps03_projections", "QKVProjection", True, namespace, oracle)
        assert len(runs) in expected_runs and (verdict.error is None) == (namespace is correct)
    # the runs: the one that makes the layers, one on the kernel's answers, and one on the
    # answers to the calls that answer's diagnosis added
    assert "The batch axes were merged with the token axis" in verdict.error


def test_remote_is_only_callable_through_the_replay():
    with pytest.raises(TypeError):
        Remote("dot_scores").__globals__["dot_scores"]()


# --------------------------------------------------------------------------- the kernel's view

@pytest.mark.parametrize("assignment", OUTSIDE)
def test_kernel_view_holds_no_reference_check_or_hidden_case(assignment):
    view = Path(kernel_view(assignment))
    spec = ASSIGNMENTS[assignment]
    real = set(KERNEL_COMMON) | set(spec.kernel_modules)
    stub = (view / "checks" / "search.py").read_text()
    # the only compiled files are the view's own sources, compiled (nothing else's bytecode)
    import marshal

    for pyc in view.rglob("*.pyc"):
        source = pyc.parent.parent / f"{pyc.name.split('.')[0]}.py"
        assert pyc.parent.name == "__pycache__" and source.is_file(), pyc
        assert marshal.loads(pyc.read_bytes()[16:]) == compile(source.read_bytes(), str(source), "exec",
                                                               dont_inherit=True), pyc
    assert len(list(view.rglob("*.pyc"))) == len(list(view.rglob("*.py")))
    for path in view.rglob("*.py"):
        module = path.relative_to(view).with_suffix("").as_posix()
        if module in real:
            continue
        assert path.read_text() == stub, f"{assignment}: {module} is not a stub"
    text = "\n".join(p.read_text() for p in view.rglob("*.py"))
    checks = spec.module().CHECKS
    for function in spec.functions():
        assert f"def {function}(" not in text, f"{assignment}: the view defines {function}"
        assert f"def {checks[function].__name__}(" not in text, f"{assignment}: the view holds a check"
    for marker in ("hidden=True", "REFERENCES", "_cases("):
        assert marker not in text, f"{assignment}: {marker!r} in the kernel's view"


@pytest.mark.parametrize("assignment", OUTSIDE)
def test_hidden_libraries_are_stubs_that_name_the_rule(assignment, tmp_path):
    """The grader's own package, and scipy (a ready-made softmax and logsumexp) where the
    assignment hides it, are mounted over by packages whose import fails saying why; problem
    set 8 keeps scipy (transformers)."""
    import importlib.util
    import subprocess
    import sys

    def location(name):
        return str(Path(importlib.util.find_spec(name).submodule_search_locations[0]).resolve())

    stubs = {installed: Path(stub) for stub, installed in library_stubs(assignment)}
    hidden = {"qkv_grader": "qkv_grader, the course's grader, is not available in the grading kernel"}
    if ASSIGNMENTS[assignment].hidden_libraries:
        hidden["scipy"] = f"scipy is not available while {assignment} is graded"
    assert set(stubs) == {location(name) for name in hidden}
    for name, message in hidden.items():
        (tmp_path / name).symlink_to(stubs[location(name)])  # what the kernel finds where it is installed
        run = subprocess.run([sys.executable, "-c", f"import {name}"], cwd=tmp_path,
                             capture_output=True, text=True)
        assert run.returncode != 0 and message in run.stderr, run.stderr[-500:]


def test_stubs_say_what_is_missing_and_report_the_call():
    namespace: dict = {"__name__": "qkv_course.search"}
    view = Path(kernel_view("ps01_search"))
    exec(compile((view / "search.py").read_text(), "qkv_course.search", "exec"), namespace)
    getattr_ = namespace["__getattr__"]
    emit.UNAVAILABLE_CALLS.clear()

    def dot_scores(q, k):
        return getattr_("dot_scores")(q, k)

    with pytest.raises(RuntimeError, match="dot_scores calls qkv_course.search.dot_scores, the course's own code"):
        dot_scores(1, 2)
    assert emit.UNAVAILABLE_CALLS == ["qkv_course.search.dot_scores"]
    emit.UNAVAILABLE_CALLS.clear()
    outcome = emit.run_call(dot_scores, "dot_scores", (1, 2), {})
    assert outcome.error and "not available while your notebook is graded" in outcome.error


def test_feedback_error_is_what_checks_raise():
    assert issubclass(FeedbackError, AssertionError)


def test_guesses_made_from_the_inputs_alone_are_shared_between_notebooks():
    """A reference's answer to the same inputs is made once per grading process (its first run
    may be a notebook's later run, as for a memory-measured call); a guess that makes or uses a
    layer is each replay's own."""
    from qkv_course.checks.core import call_student
    from qkv_grader import remote

    made = []

    def reference(x):
        made.append(1)
        return np.asarray(x) * 2.0

    def check(fn, hidden=False):
        for k in range(3):
            call_student(fn, "double", np.arange(4.0) + k)

    remote._GUESSES.clear()
    for _ in range(3):  # three notebooks (memos of their own, so that each first run runs)
        replay = Replay("double", reference, names={"double"}, memo={})
        assert replay.run(check) is None and len(replay.pending) == 3
    assert len(made) == 3                                    # once per distinct input, not per notebook
    other = Replay("double", lambda x: np.asarray(x) * 3.0, names={"double"}, memo={})
    other.run(check)                                         # another reference: its own guesses
    assert len(made) == 3 and len(remote._GUESSES) == 6
    remote._GUESSES.clear()
