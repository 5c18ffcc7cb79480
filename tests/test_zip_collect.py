"""`nbgrader zip_collect` with the course's configuration: an LMS's download of submissions (a
made-up Canvas export) lands in submitted/<student>/<assignment>/ under the released names.

See "Collecting from an LMS" in book/instructor_guide.md and the pattern in nbgrader_config.py.
"""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path

import pytest

from nbgrader_course import REPO, make_course, run_nbgrader

pytest.importorskip("nbgrader")

ASSIGNMENT = "ps02_softmax"
NOTEBOOK = "softmax.ipynb"

# Canvas's "Download submissions" names: <sortable name>_[LATE_]<user id>_<attachment id>_<file>,
# with "-1", "-2"... after the file's name for a resubmission.
CANVAS = {
    "doejane_12345_67890_softmax.ipynb": "doejane",
    "roebob_LATE_23456_78901_softmax.ipynb": "roebob",
    "smithann_34567_89012_softmax-1.ipynb": "smithann",
}
# What an export also holds and zip_collect must skip: not a notebook.
NOT_NOTEBOOKS = ["doejane_12345_67891_notes.txt", "roebob_23456_78902_softmax.html"]


def a_submission(student: str) -> str:
    """The released notebook, marked with the student's name so each copy can be told apart."""
    text = (REPO / "notebooks" / ASSIGNMENT / NOTEBOOK).read_text()
    return text.replace('"metadata": {', f'"metadata": {{"made_up_by": "{student}", ', 1)


@pytest.fixture
def course(tmp_path: Path) -> Path:
    course = make_course(tmp_path / "course", ASSIGNMENT)
    # The release: zip_collect checks the submitted notebooks' names against it.
    shutil.copytree(REPO / "notebooks" / ASSIGNMENT, course / "notebooks" / ASSIGNMENT)
    archive = course / "downloaded" / ASSIGNMENT / "archive"
    archive.mkdir(parents=True)
    with zipfile.ZipFile(archive / "submissions.zip", "w") as zf:
        for name, student in CANVAS.items():
            zf.writestr(name, a_submission(student))
        for name in NOT_NOTEBOOKS:
            zf.writestr(name, "not a notebook\n")
    return course


def test_canvas_export_lands_in_submitted(course):
    proc = run_nbgrader(course, "zip_collect", ASSIGNMENT, timeout=300)
    log = proc.stdout + proc.stderr
    submitted = course / "submitted"
    assert sorted(p.name for p in submitted.iterdir()) == sorted(CANVAS.values()), log
    for student in CANVAS.values():
        folder = submitted / student / ASSIGNMENT
        assert sorted(p.name for p in folder.iterdir()) == [NOTEBOOK], log
        assert (folder / NOTEBOOK).read_text() == a_submission(student)
    assert "Invalid submission notebook name" not in log, log
    assert f"{len(CANVAS)} files collected, {len(NOT_NOTEBOOKS)} files skipped" in log, log


def test_the_pattern_reads_canvas_names_only():
    """The configured pattern, applied as nbgrader applies it (re.match on the file's full path)."""
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(REPO)).load_config()
    pattern = config.FileNameCollectorPlugin.named_regexp
    folder = "/course/downloaded/ps02_softmax/extracted/submissions/"
    for name, student in CANVAS.items():
        match = re.match(pattern, folder + name)
        assert match and match["student_id"] == student and match["file_id"] == "softmax", name
    # Moodle's names (Full Name_<participant id>_assignsubmission_file_...) need the guide's pattern.
    assert not re.match(pattern, folder + "Jane Doe_12345_assignsubmission_file_softmax.ipynb")


def guide_pattern(marker: str) -> str:
    """The pattern the instructor guide gives, in the raw string that contains ``marker``."""
    guide = (REPO / "book" / "instructor_guide.md").read_text(encoding="utf-8")
    found = [p for p in re.findall(r'r"(\.\*[^"]+)"', guide) if marker in p]
    assert len(found) == 1, f"the guide should give one pattern with {marker!r}: {found}"
    return found[0]


def test_the_guides_moodle_pattern_reads_moodle_names():
    pattern = guide_pattern("assignsubmission")
    folder = "/course/downloaded/ps02_softmax/extracted/submissions/"
    for name in ["Jane Doe_12345_assignsubmission_file_softmax.ipynb",     # one folder for all
                 "Jane Doe_12345_assignsubmission_file_/softmax.ipynb"]:   # a folder per student
        match = re.match(pattern, folder + name)
        assert match and match["student_id"] == "Jane Doe" and match["file_id"] == "softmax", name
    assert not re.match(pattern, folder + "Jane Doe_12345_assignsubmission_onlinetext_onlinetext.html")


def test_the_guides_user_id_pattern_reads_canvas_names():
    pattern = guide_pattern("(?P<student_id>\\d+)")
    for name, _ in CANVAS.items():
        match = re.match(pattern, "/course/downloaded/ps02_softmax/extracted/" + name)
        assert match and match["file_id"] == "softmax", name
        assert match["student_id"] == re.search(r"(\d+)_\d+_", name)[1], name


def test_downloads_are_never_committed():
    assert "downloaded/" in (REPO / ".gitignore").read_text().split()

