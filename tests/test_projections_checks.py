"""Unit tests of the ps03 checks, in-process and fast, for what the submission variants (run by
tests/test_catalogue.py and tests/test_assignments.py) cannot show: the grader leaves the
student's random state alone, and messages never show hidden expected arrays.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import numpy as np
import pytest
import torch
from torch import nn

from catalogue import grade_in_process, load_variant
from nbgrader_course import strip_solution_markers
from qkv_course.checks import FeedbackError, projections as checks

FOLDER = Path(__file__).parent / "submissions" / "ps03_projections"


SOURCE = Path(__file__).parents[1] / "solutions" / "ps03_projections" / "projections.ipynb"


def test_the_source_solution_passes_and_the_stub_gets_a_plain_message():
    cells = {c.metadata["nbgrader"]["grade_id"]: strip_solution_markers(c.source)
             for c in nbformat.read(SOURCE, as_version=4).cells
             if c.metadata.get("nbgrader", {}).get("solution")}
    assert set(cells) == {"project_qkv", "QKVProjection"} | set(checks.QUESTIONS)
    assert grade_in_process(SOURCE, cells) == {name: [] for name in cells}

    class Stub(nn.Module):
        def __init__(self, d_model, d_k, d_v):
            super().__init__()
            raise NotImplementedError()

    with pytest.raises(FeedbackError, match="QKVProjection is not written yet"):
        checks.check_qkv_projection(Stub)


def test_grading_leaves_the_students_random_state_alone():
    namespace: dict = {"__name__": "__main__"}
    exec(next(c.source for c in nbformat.read(SOURCE, as_version=4).cells
              if c.metadata.get("nbgrader", {}).get("grade_id") == "imports"), namespace)
    answers = load_variant(FOLDER / "correct_module_parameters.py", "ps03_projections").answers
    exec(answers["QKVProjection"], namespace)
    torch.manual_seed(123)
    before = torch.get_rng_state()
    checks.check_qkv_projection(namespace["QKVProjection"], hidden=True)
    assert torch.equal(torch.get_rng_state(), before)


def test_hidden_messages_do_not_show_expected_arrays():
    def off_by_a_little(X, W_q, W_k, W_v):
        return X @ W_q + 1e-3, X @ W_k, X @ W_v

    with pytest.raises(FeedbackError) as info:
        checks.check_project_qkv(off_by_a_little, hidden=True)
    message = str(info.value)
    assert "wrong values in" in message and "[[" not in message


def test_a_layer_that_only_works_for_one_batch_axis_fails_the_hidden_tests():
    class ThreeDOnly(nn.Module):
        def __init__(self, d_model, d_k, d_v):
            super().__init__()
            self.maps = nn.ModuleList(nn.Linear(d_model, d, bias=False) for d in (d_k, d_k, d_v))

        def forward(self, X):
            if X.ndim > 3:
                X = X[0]   # silently drops the outer batch axis
            return tuple(m(X) for m in self.maps)

    checks.check_qkv_projection(ThreeDOnly)
    with pytest.raises(FeedbackError, match="expected shape"):
        checks.check_qkv_projection(ThreeDOnly, hidden=True)


def test_a_layer_whose_value_map_equals_the_query_map_is_caught_when_d_k_equals_d_v():
    class SharedQV(nn.Module):
        def __init__(self, d_model, d_k, d_v):
            super().__init__()
            self.W_q = nn.Linear(d_model, d_k, bias=False)
            self.W_k = nn.Linear(d_model, d_k, bias=False)
            self.W_v = nn.Linear(d_model, d_v, bias=False)

        def forward(self, X):
            Q = self.W_q(X)
            return Q, self.W_k(X), Q if Q.shape[-1] == self.W_v.out_features else self.W_v(X)

    with pytest.raises(FeedbackError, match="forward returns Q and V from the same Linear layer"):
        checks.check_qkv_projection(SharedQV, hidden=True)
