"""qkv_course.checks.guard: what a student's cell replaces in numpy, torch or the course is put
back before the checks use it, and the grading modules cannot be changed."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import qkv_course.attention
from qkv_course.checks import FeedbackError, call_student, guard
from qkv_course.checks import attention as attention_checks  # noqa: F401  (importing an assignment's checks seals)


def test_importing_an_assignments_checks_records_libraries_and_the_course():
    names = guard.recorded()
    for name in ("numpy", "numpy.linalg", "builtins", "torch", "torch.Tensor", "torch.nn.modules.module.Module",
                 "qkv_course.attention", "qkv_course.softmax", "qkv_course.checks.core", "qkv_course.checks.attention"):
        assert name in names


def test_replaced_library_and_course_functions_are_put_back():
    # in-process tests share one record: what libraries imported since patched (transformers
    # adds Module.smart_apply, for one) is put back first, so only this test's changes count
    guard.restore()
    allclose, isfinite, sdpa = np.allclose, np.isfinite, qkv_course.attention.scaled_dot_product_attention
    try:
        np.allclose = lambda *a, **k: True
        np.isfinite = lambda x: np.ones(np.shape(x), bool)
        qkv_course.attention.scaled_dot_product_attention = lambda *a, **k: None
        del np.linalg.norm
        changed = guard.restore()
    finally:
        np.allclose, np.isfinite = allclose, isfinite
        qkv_course.attention.scaled_dot_product_attention = sdpa
    assert np.allclose is allclose and np.isfinite is isfinite
    assert qkv_course.attention.scaled_dot_product_attention is sdpa
    assert callable(np.linalg.norm)
    assert set(changed) == {"numpy.allclose", "numpy.isfinite", "numpy.linalg.norm",
                            "qkv_course.attention.scaled_dot_product_attention"}
    assert guard.restore() == []


def test_a_method_added_to_torch_tensor_to_shadow_its_base_class_is_removed():
    assert "allclose" not in vars(torch.Tensor)  # defined in C, on the base class
    torch.Tensor.allclose = lambda self, other, **k: True
    torch.Tensor.__eq__ = lambda self, other: True
    changed = guard.restore()
    assert "torch.Tensor.allclose" in changed and "torch.Tensor.__eq__" in changed
    assert not torch.tensor([1.0]).allclose(torch.tensor([2.0]))
    assert not bool(torch.tensor([1.0]) == torch.tensor([2.0]))


def test_grading_modules_are_read_only():
    from qkv_course.checks import core

    with pytest.raises(AttributeError, match="part of the grader"):
        attention_checks.check_scaled_dot_product_attention = lambda *a, **k: None
    with pytest.raises(AttributeError, match="part of the grader"):
        del core.check_close
    assert callable(attention_checks.check_scaled_dot_product_attention)


def test_guarded_checks_restore_before_and_after_and_say_so(capsys):
    original = np.isfinite

    @guard.guarded
    def check(fn):
        assert np.isfinite is original
        return call_student(fn, "f")

    def student():
        np.isfinite = lambda x: True  # patched during the call as well
        return 1

    np.isfinite = lambda x: True
    try:
        assert check(student) == 1
    finally:
        np.isfinite = original
    out = capsys.readouterr().out
    assert "numpy.isfinite" in out and "does not change your grade" in out
    assert getattr(check, "__guarded__", False)


def test_call_student_restores_even_when_the_student_raises():
    original = np.where

    def student():
        np.where = lambda *a: None
        raise ValueError("boom")

    with pytest.raises(FeedbackError, match="raised ValueError"):
        call_student(student, "f")
    assert np.where is original
