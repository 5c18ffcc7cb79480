"""Unit tests of the grading helpers: they must catch mistakes, pass correct answers written
in other ways, recognise shortcuts however they are imported, and never trust student objects."""

import json

import numpy as np
import pytest

from qkv_course.checks import FeedbackError, Tripwire, call_student, check_close, shortcuts, to_array
from qkv_course.checks import search as search_checks


def correct_dot(q, k):
    return np.einsum("...d,nd->...n", q, k)


def correct_hard(q, k, v):
    return v[np.argmax(q @ k.T, axis=-1)]


def correct_soft(q, k, v, temperature=1.0):
    s = (q @ k.T) / temperature
    e = np.exp(s - s.max(-1, keepdims=True))
    return (e / e.sum(-1, keepdims=True)) @ v


@pytest.mark.parametrize("hidden", [False, True])
def test_correct_answers_pass(hidden):
    search_checks.check_dot_scores(correct_dot, hidden)
    search_checks.check_hard_lookup(correct_hard, hidden)
    search_checks.check_soft_lookup(correct_soft, hidden)


def test_torch_answers_are_accepted():
    torch = pytest.importorskip("torch")

    def torch_dot(q, k):
        return torch.from_numpy(q) @ torch.from_numpy(k).T

    search_checks.check_dot_scores(torch_dot, hidden=True)


def test_a_mistake_is_caught_in_the_hidden_cases_even_if_visible_ones_pass():
    def first_query_only(q, k, v):  # ignores every query of a batch but the first
        return correct_hard(np.atleast_2d(q)[0], k, v)

    with pytest.raises(FeedbackError):
        search_checks.check_hard_lookup(first_query_only, hidden=True)


def test_stub_missing_return_and_exceptions_get_plain_messages():
    def stub(q, k):
        raise NotImplementedError()

    with pytest.raises(FeedbackError, match="not written yet") as info:
        search_checks.check_dot_scores(stub)
    assert info.value.__context__ is None  # no chained traceback of the stub

    with pytest.raises(FeedbackError, match="returned None: did you forget the `return`"):
        search_checks.check_dot_scores(lambda q, k: None)
    with pytest.raises(FeedbackError, match=r"calling dot_scores\(query of shape \(3,\), keys of shape \(4, 3\)\) raised ZeroDivisionError"):
        search_checks.check_dot_scores(lambda q, k: 1 / 0)
    with pytest.raises(FeedbackError, match="should be a function, but it is a int"):
        search_checks.check_dot_scores(3)


def test_untrusted_objects_are_never_compared_with_their_own_eq():
    class AlwaysEqual(np.ndarray):
        def __eq__(self, other):
            return True

    wrong = np.zeros(4).view(AlwaysEqual)
    with pytest.raises(FeedbackError, match="wrong values"):
        check_close(to_array(wrong, "f"), np.ones(4), "f")

    class Liar:
        def __eq__(self, other):
            return True

        def __array__(self, *a, **k):
            raise AssertionError("the grader must not call __array__")

    with pytest.raises(FeedbackError, match="returned a Liar; it should return a numpy array"):
        to_array(Liar(), "f")
    objects = np.empty(2, dtype=object)
    objects[0], objects[1] = Liar(), Liar()
    with pytest.raises(FeedbackError, match="dtype object"):
        to_array(objects, "f")


def test_patched_numpy_comparisons_do_not_fool_the_checks(monkeypatch):
    monkeypatch.setattr(np, "allclose", lambda *a, **k: True)
    monkeypatch.setattr(np.testing, "assert_allclose", lambda *a, **k: None)
    with pytest.raises(FeedbackError):
        search_checks.check_dot_scores(lambda q, k: np.zeros(q.shape[:-1] + (k.shape[0],)))


def test_modifying_an_input_in_place_is_reported():
    def destructive(q, k):
        k -= 0  # harmless
        q *= 1.0
        k[0] = 0.0
        return q @ k.T

    with pytest.raises(FeedbackError, match="modified its input array in place"):
        search_checks.check_dot_scores(destructive)


def test_tripwire_catches_aliases_methods_and_lazy_imports():
    torch = pytest.importorskip("torch")
    from torch import softmax as renamed
    from torch.nn import functional as F_alias

    x = torch.zeros(3)
    calls = {
        "alias": lambda: renamed(x, 0),
        "method": lambda: x.softmax(0),
        "functional": lambda: F_alias.softmax(x, dim=0),
        "lazy import": lambda: __import__("torch").special.softmax(x, 0),
    }
    for label, call in calls.items():
        with Tripwire(shortcuts("torch.softmax")) as wire:
            call()
        assert wire.hits == ["torch.softmax"], label
    with Tripwire(shortcuts("torch.softmax")) as wire:
        torch.exp(x)
    assert wire.hits == []


def test_tripwire_catches_the_reference_implementation_under_another_name():
    from qkv_course.search import dot_scores as d

    with pytest.raises(FeedbackError, match="dot_scores calls qkv_course.search.dot_scores"):
        search_checks.check_dot_scores(lambda q, k: d(q, k))


def test_removing_the_tripwire_is_reported():
    import sys

    def sneaky(q, k):
        sys.setprofile(None)
        return q @ k.T

    with pytest.raises(FeedbackError, match="changed the Python profiler"):
        call_student(sneaky, "dot_scores", np.ones(2), np.ones((3, 2)), forbidden={"x.y": "x.y"})


def test_warnings_do_not_reach_stderr(capsys):
    import warnings

    def noisy(q, k):
        warnings.warn("just a warning")
        return q @ k.T

    search_checks.check_dot_scores(noisy)
    out, err = capsys.readouterr()
    assert err == ""
    assert "UserWarning: just a warning" in out


def test_a_wrong_dot_scores_costs_points_only_once():
    """hard_lookup and soft_lookup are graded with a trusted dot_scores in the student's namespace."""
    namespace = {"np": np}
    exec(
        "def dot_scores(q, k):\n    return -(q @ k.T)\n"
        "def hard_lookup(q, k, v):\n    return v[np.argmax(dot_scores(q, k), axis=-1)]\n",
        namespace,
    )
    with pytest.raises(FeedbackError):
        search_checks.check_dot_scores(namespace["dot_scores"])
    search_checks.check_hard_lookup(namespace["hard_lookup"], hidden=True)
    assert namespace["dot_scores"](np.ones(1), np.ones((1, 1)))[0] == -1  # restored afterwards


def test_catalog_reads_points_from_nbgrader_metadata(tmp_path):
    from qkv_grader.catalog import graded_items, points_table

    def cell(grade_id, points=None):
        meta = {"grade": points is not None, "grade_id": grade_id, "solution": points is None}
        if points is not None:
            meta["points"] = points
        return {"cell_type": "code", "metadata": {"nbgrader": meta}, "source": "", "outputs": []}

    folder = tmp_path / "ps09_demo"
    folder.mkdir()
    nb = {"cells": [cell("f"), cell("test_f_visible", 1), cell("test_f_hidden", 4), cell("g"),
                    cell("test_g_visible", 2), cell("test_g_hidden", 3)]}
    (folder / "demo.ipynb").write_text(json.dumps(nb))
    items = graded_items(tmp_path)
    assert [(i.function, i.visible, i.hidden, i.total) for i in items] == [("f", 1, 4, 5), ("g", 2, 3, 5)]
    table = points_table(items)
    assert "| | **total** | 3 | 7 | **10** |" in table and "| `ps09_demo` | `f` | 1 | 4 | 5 |" in table
    nb["cells"].append(cell("extra_test", 1))
    (folder / "demo.ipynb").write_text(json.dumps(nb))
    with pytest.raises(ValueError, match="extra_test"):
        graded_items(tmp_path)


def test_tripwire_catches_a_copy_of_forbidden_code_and_private_torch_softmax():
    import types

    import torch

    from qkv_course import softmax as reference

    copy = types.FunctionType(reference.softmax.__code__, {**vars(reference), "__name__": "__main__"},
                              "softmax", reference.softmax.__defaults__)
    with Tripwire({"qkv_course.softmax.softmax": "the course's softmax"}) as wire:
        copy(np.array([1.0, 2.0]))
    assert wire.hits == ["the course's softmax"]
    with Tripwire(shortcuts("torch.softmax")) as wire:
        torch._softmax(torch.zeros(3), 0, False)
    assert wire.hits == ["torch.softmax"]


def test_exit_in_a_student_function_is_feedback_and_close_values_show_enough_digits():
    def leaves():
        raise SystemExit(0)

    with pytest.raises(FeedbackError, match="SystemExit"):
        call_student(leaves, "f")
    expected = np.array([1.0, 3.40761234567])
    with pytest.raises(FeedbackError, match=r"returned 3\.407612\d* where 3\.407612\d* was expected"):
        check_close(expected.astype(np.float32).astype(np.float64), expected, "f", rtol=1e-12, atol=0)


def test_ndarray_subclasses_are_read_as_plain_data_without_running_their_methods():
    calls = []

    class Lying(np.ndarray):
        def __array_finalize__(self, obj):
            calls.append("finalize")

        def __eq__(self, other):
            return True

    lying = np.array([1.0, 2.0]).view(Lying)
    calls.clear()
    arr = to_array(lying, "f")
    assert type(arr) is np.ndarray and arr.tolist() == [1.0, 2.0] and not calls
    masked = np.ma.array([0.5, 9.0, 0.5], mask=[False, True, False])
    assert to_array(masked, "f").tolist() == [0.5, 0.0, 0.5]


def test_feedback_preprocessor_removes_hidden_tests_and_tracebacks_but_keeps_messages():
    import nbformat

    from qkv_grader.feedback import HideHiddenTests, hide_hidden_tests

    def cell(source, grade, outputs=()):
        c = nbformat.v4.new_code_cell(source)
        c.metadata["nbgrader"] = {"grade": grade, "grade_id": "x", "solution": not grade}
        c.outputs = [nbformat.from_dict(o) for o in outputs]
        return c

    error = {"output_type": "error", "ename": "FeedbackError", "evalue": "rows do not sum to 1",
             "traceback": ["Traceback ...", "check_f(f, hidden=True)", "def fail(message): ..."]}
    nb = nbformat.v4.new_notebook(cells=[
        cell("# Hidden tests\n### BEGIN HIDDEN TESTS\ncheck_f(f, hidden=True)\n### END HIDDEN TESTS", True, [error]),
        cell("def f(x):\n    return x", False, [dict(error, traceback=["student frame"])]),
    ])
    assert HideHiddenTests().enabled  # nbgrader registers preprocessors by class
    hide_hidden_tests(nb)
    graded, answer = nb.cells
    assert "check_f" not in graded.source and "BEGIN HIDDEN" not in graded.source
    assert graded.source.startswith("# Hidden tests\n# Hidden tests ran here")
    assert graded.outputs[0]["traceback"] == ["FeedbackError: rows do not sum to 1"]
    assert answer.outputs[0]["traceback"] == ["student frame"]  # the student's own cell is left alone


# --------------------------------------------------------------------------- autograde preprocessor

def test_stderr_in_a_test_cell_becomes_stdout_and_answer_cells_are_left_alone():
    import nbformat
    from qkv_grader.autograde import NOTE, stderr_to_stdout

    def cell(meta, *outputs):
        c = nbformat.v4.new_code_cell("x", metadata={"nbgrader": meta})
        c.outputs = [nbformat.v4.new_output("stream", name=n, text=t) for n, t in outputs]
        return c

    nb = nbformat.v4.new_notebook(cells=[
        cell({"grade": True, "solution": False, "grade_id": "test_f_visible"}, ("stderr", "warn\n"), ("stdout", "ok\n")),
        cell({"grade": False, "solution": True, "grade_id": "f"}, ("stderr", "own cell\n")),
        cell({}, ("stderr", "plain\n")),
    ])
    stderr_to_stdout(nb)
    assert [(o.name, o.text) for o in nb.cells[0].outputs] == [("stdout", NOTE + "warn\n"), ("stdout", "ok\n")]
    assert nb.cells[1].outputs[0].name == "stderr" and nb.cells[2].outputs[0].name == "stderr"


def test_autograde_runs_nbgraders_own_steps_plus_ours():
    """nbgrader_config.py lists Autograde's preprocessors in full: nbgrader's defaults with
    SandboxedExecute for Execute, StderrIsNotFailure before SaveAutoGrades, and RestoreCells before
    the sanitising steps. If an nbgrader upgrade changes its defaults, this fails instead of
    silently dropping a step."""
    from pathlib import Path

    from nbgrader.converters import Autograde
    from nbgrader.preprocessors import Execute
    from traitlets.config.loader import PyFileConfigLoader

    from qkv_grader.autograde import StderrIsNotFailure
    from qkv_grader.execute import SandboxedExecute
    from qkv_grader.restore import RestoreCells

    repo = Path(__file__).resolve().parents[1]
    config = PyFileConfigLoader("nbgrader_config.py", path=str(repo)).load_config().Autograde
    default = [SandboxedExecute if p is Execute else p
               for p in Autograde.class_traits()["autograde_preprocessors"].make_dynamic_default()]
    save = default.index(next(p for p in default if p.__name__ == "SaveAutoGrades"))
    assert list(config.autograde_preprocessors) == default[:save] + [StderrIsNotFailure] + default[save:]
    sanitize = list(Autograde.class_traits()["sanitize_preprocessors"].make_dynamic_default())
    assert list(config.sanitize_preprocessors) == sanitize[:1] + [RestoreCells] + sanitize[1:]
    for step in (StderrIsNotFailure, RestoreCells, SandboxedExecute):
        assert step().enabled, "nbconvert skips a preprocessor that is not enabled"
