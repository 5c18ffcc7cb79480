"""Shared pytest set-up.

scripts/test.sh runs the suite on every core with pytest-xdist (``-n auto --dist loadgroup``).
Tests that share an expensive fixture must run on the same worker, or each worker would build
it again: the book (fixture ``html``) and each assignment's graded course (fixture ``graded``).
"""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(config, items):
    for item in items:
        names = getattr(item, "fixturenames", ())
        if "html" in names:
            item.add_marker(pytest.mark.xdist_group("book"))
        elif "graded" in names:
            item.add_marker(pytest.mark.xdist_group(item.callspec.params["graded"]))
