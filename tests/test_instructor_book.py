"""The instructor edition (scripts/build_instructor_book.sh) shows every assignment's solutions and
hidden tests, which the student book never holds (tests/test_book.py checks that side).

It is built next to the student book of the shared ``html`` fixture, reusing its execution cache,
so the chapters are not executed again (about a minute on 2 cores).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from test_book import REPO, solution_lines


@pytest.fixture(scope="module")
def instructor_html(html) -> Path:
    out = html.parents[1]                       # <out>/_build/html -> <out>
    proc = subprocess.run(["bash", str(REPO / "scripts" / "build_instructor_book.sh")], cwd=REPO,
                          env=dict(os.environ, BOOK_OUTPUT=str(out)), capture_output=True, text=True,
                          timeout=1500)
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0 and "build succeeded" in log, f"instructor build failed:\n{log[-6000:]}"
    return out / "_build" / "instructor" / "_build" / "html"


@pytest.mark.parametrize("notebook", sorted(p.relative_to(REPO).with_suffix("").as_posix()
                                            for p in (REPO / "solutions").glob("*/*.ipynb")))
def test_instructor_edition_shows_solutions_and_hidden_tests(instructor_html, notebook):
    page = instructor_html / f"{notebook}.html"
    assert page.exists(), f"no page for {notebook}"
    code = "\n".join(el.get_text() for el in BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser").select("div.cell"))
    assert "### BEGIN SOLUTION" in code and "### END SOLUTION" in code
    assert "### BEGIN HIDDEN TESTS" in code


def test_instructor_edition_holds_every_solution_line(instructor_html):
    pages = "\n".join(p.read_text(encoding="utf-8") for p in (instructor_html / "solutions").rglob("*.html"))
    text = BeautifulSoup(pages, "html.parser").get_text()
    missing = [line for line in solution_lines() if line not in text]
    assert not missing, f"solution lines not in the instructor edition: {missing[:5]}"


def test_instructor_edition_keeps_the_chapters(instructor_html, html):
    for chapter in sorted((html / "book").glob("0*.html")):
        assert (instructor_html / "book" / chapter.name).exists(), chapter.name
    title = BeautifulSoup((instructor_html / "book" / "intro.html").read_text(encoding="utf-8"), "html.parser").title
    assert "instructor edition" in title.get_text()
